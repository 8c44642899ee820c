import type { Cue } from "./captioner";

/** WebVTT text from cues, and a transcript's plain text from either. */
export namespace Vtt {
  const stamp = (ms: number) => {
    const total = Math.max(0, Math.round(ms));
    const h = Math.floor(total / 3_600_000);
    const m = Math.floor(total / 60_000) % 60;
    const s = Math.floor(total / 1000) % 60;
    const pad = (n: number, width = 2) => String(n).padStart(width, "0");
    return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(total % 1000, 3)}`;
  };

  /** Cues with no words are left out; a cue's text never holds the blank line that ends it. */
  export function fromCues(cues: Cue[]): string {
    const blocks = cues
      .map((cue) => ({ ...cue, text: cue.text.replace(/\s*\n\s*\n\s*/g, "\n").trim() }))
      .filter((cue) => cue.text)
      .map(
        (cue, i) =>
          `${i + 1}\n${stamp(cue.startMs)} --> ${stamp(Math.max(cue.endMs, cue.startMs + 1))}\n${cue.text.replaceAll("-->", "->")}`,
      );
    return `WEBVTT\n\n${blocks.join("\n\n")}\n`;
  }

  /** The words of a WebVTT file, one cue a line: what a transcript holds when nothing better. */
  export function text(vtt: string): string {
    return vtt
      .replace(/\r\n?/g, "\n")
      .split(/\n{2,}/)
      .map((block) => block.split("\n"))
      .filter((lines) => lines.some((line) => line.includes("-->")))
      .map((lines) =>
        lines
          .slice(lines.findIndex((line) => line.includes("-->")) + 1)
          .join(" ")
          .replace(/<[^>]*>/g, "")
          .trim(),
      )
      .filter(Boolean)
      .join("\n");
  }
}
