import { VisibleError } from "../error";

/**
 * Subtitle files in, normalised WebVTT out: plain line work, no parser dependency. Strict where
 * a player would silently drop or misplace a cue (a bad timing, a cue that ends before it
 * starts), so the client hears which line is wrong instead of seeing captions go missing.
 * Output: the `WEBVTT` header, any STYLE/REGION blocks, then every cue sorted by start time,
 * timings written `HH:MM:SS.mmm`.
 */
export namespace CaptionFile {
  export type Format = "vtt" | "srt";

  type Cue = { id?: string; startMs: number; endMs: number; settings?: string; text: string[] };

  export function parse(text: string, format: Format): string {
    const lines = text
      .replace(/^\uFEFF/, "")
      .replace(/\r\n?/g, "\n")
      .split("\n");
    const { cues, blocks } = format === "vtt" ? vtt(lines) : srt(lines);
    if (cues.length === 0) throw invalid(lines.length, "the file holds no cues");
    const sorted = cues
      .map((cue, index) => ({ cue, index }))
      .sort((a, b) => a.cue.startMs - b.cue.startMs || a.index - b.index)
      .map(({ cue }) => cue);
    const out = ["WEBVTT", ""];
    for (const block of blocks) out.push(...block, "");
    for (const cue of sorted) {
      if (cue.id) out.push(cue.id);
      const timing = `${timestamp(cue.startMs)} --> ${timestamp(cue.endMs)}`;
      out.push(cue.settings ? `${timing} ${cue.settings}` : timing, ...cue.text, "");
    }
    return out.join("\n");
  }

  /** Milliseconds as a WebVTT timestamp, hours always written. */
  export function timestamp(ms: number): string {
    const pad = (n: number, width = 2) => String(n).padStart(width, "0");
    const h = Math.floor(ms / 3_600_000);
    const m = Math.floor(ms / 60_000) % 60;
    const s = Math.floor(ms / 1000) % 60;
    return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
  }

  const vttTime = /^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/;
  const srtTime = /^(\d{1,3}):([0-5]?\d):([0-5]?\d)(?:[,.](\d{1,3}))?$/;
  const arrow = /^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t]+(.*))?$/;

  /** Groups of non-blank lines, each with the 1-based number of its first line. */
  function blocksOf(lines: string[], from: number) {
    const blocks: Array<{ line: number; lines: string[] }> = [];
    let current: { line: number; lines: string[] } | undefined;
    for (let i = from; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === "") {
        current = undefined;
        continue;
      }
      if (!current) {
        current = { line: i + 1, lines: [] };
        blocks.push(current);
      }
      current.lines.push(line);
    }
    return blocks;
  }

  function vtt(lines: string[]) {
    if (!/^WEBVTT(?:[ \t].*)?$/.test(lines[0] ?? "")) {
      throw invalid(1, 'a WebVTT file starts with "WEBVTT"');
    }
    // The header runs to the first blank line; what it carries (X-TIMESTAMP-MAP, …) is ours to set.
    let first = 1;
    while (first < lines.length && lines[first]!.trim() !== "") {
      if (lines[first]!.includes("-->"))
        throw invalid(first + 1, "a blank line must follow the header");
      first++;
    }
    const cues: Cue[] = [];
    const blocks: string[][] = [];
    for (const block of blocksOf(lines, first)) {
      const head = block.lines[0]!;
      if (/^NOTE(?:[ \t]|$)/.test(head)) continue;
      if (/^(?:STYLE|REGION)[ \t]*$/.test(head)) {
        if (cues.length)
          throw invalid(block.line, `${head.trim()} blocks must come before the first cue`);
        blocks.push(block.lines.map((l) => l.trimEnd()));
        continue;
      }
      const hasId = !head.includes("-->");
      const timingAt = hasId ? 1 : 0;
      const timingLine = block.lines[timingAt];
      const line = block.line + timingAt;
      if (timingLine === undefined) {
        throw invalid(line, "expected a cue timing (00:00:00.000 --> 00:00:00.000)");
      }
      const cue = timing(timingLine, line, vttTime);
      const text = block.lines.slice(timingAt + 1);
      const stray = text.findIndex((l) => l.includes("-->"));
      if (stray !== -1) throw invalid(line + 1 + stray, 'cue text may not contain "-->"');
      cues.push({ ...cue, ...(hasId ? { id: head.trim() } : {}), text });
    }
    return { cues, blocks };
  }

  function srt(lines: string[]) {
    const cues: Cue[] = [];
    for (const block of blocksOf(lines, 0)) {
      const numbered = /^\d+$/.test(block.lines[0]!.trim());
      const timingAt = numbered ? 1 : 0;
      const timingLine = block.lines[timingAt];
      const line = block.line + timingAt;
      if (timingLine === undefined || !timingLine.includes("-->")) {
        throw invalid(
          line,
          numbered
            ? "expected a cue timing (00:00:00,000 --> 00:00:00,000)"
            : "expected a cue number or a cue timing",
        );
      }
      // SRT's own position hints (X1:… Y2:…) have no WebVTT meaning.
      const { startMs, endMs } = timing(timingLine, line, srtTime);
      cues.push({ startMs, endMs, text: block.lines.slice(timingAt + 1).map(srtText) });
    }
    return { cues, blocks: [] as string[][] };
  }

  function timing(text: string, line: number, format: RegExp) {
    const match = arrow.exec(text.trim());
    if (!match) throw invalid(line, "expected a cue timing (00:00:00.000 --> 00:00:00.000)");
    const startMs = time(match[1]!, format);
    const endMs = time(match[2]!, format);
    if (startMs === undefined) throw invalid(line, `"${match[1]}" is not a timestamp`);
    if (endMs === undefined) throw invalid(line, `"${match[2]}" is not a timestamp`);
    if (endMs < startMs) throw invalid(line, "the cue ends before it starts");
    const settings = match[3]?.trim();
    return { startMs, endMs, ...(settings && format === vttTime ? { settings } : {}) };
  }

  function time(text: string, format: RegExp): number | undefined {
    const match = format.exec(text);
    if (!match) return undefined;
    const [, h = "0", m, s, ms = "0"] = match;
    // SRT's fraction is milliseconds written with up to three digits ("1,5" is 1.500 s).
    const millis = Number(ms.padEnd(3, "0"));
    return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + millis;
  }

  /**
   * An SRT text line as WebVTT cue text: <i>, <b> and <u> kept, other tags (<font …>) and ASS
   * overrides ({\an8}) dropped, and a bare `&`, `<` or `>` escaped, since WebVTT reads them as markup.
   */
  function srtText(line: string): string {
    return line
      .replace(/\{\\[^}]*\}/g, "")
      .replace(markup, (token, close: string | undefined, tag: string | undefined) => {
        if (tag !== undefined) {
          const name = tag.toLowerCase();
          return ["i", "b", "u"].includes(name) ? `<${close}${name}>` : "";
        }
        return token === "&" ? "&amp;" : token === "<" ? "&lt;" : "&gt;";
      });
  }

  /** A tag (its slash and name captured), a bare `&`, or a stray `<` or `>`. */
  const markup = /<\s*(\/?)\s*([a-zA-Z]+)\b[^<>]*>|&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)|[<>]/g;

  function invalid(line: number, message: string) {
    return new VisibleError("invalid", "invalid_captions", `Line ${line}: ${message}`, [
      { path: `line ${line}`, message },
    ]);
  }
}
