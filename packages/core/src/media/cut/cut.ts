import { mkdtemp, stat, symlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { MediaError } from "../error";
import { Ffmpeg } from "../ffmpeg/ffmpeg";
import { Thumbnails } from "../ffmpeg/thumbnails";
import { FfmpegTranscoder } from "../ffmpeg/transcoder";
import { Plan } from "../plan";
import { Probe } from "../probe/probe";
import { Segments } from "./segments";

/**
 * Cuts one clip out of a camera's recordings with the concat demuxer: `exact` re-encodes and is
 * frame-accurate; `fast` copies streams and starts at the keyframe at or before `startAt`, so
 * it may begin up to one GOP early. Gaps of up to 1 s between recordings are closed up.
 */
export namespace Cut {
  export type Recording = Segments.Recording;

  export type Input = {
    recordings: Recording[];
    /** Epoch ms, like `recordedAt`. */
    startAt: number;
    endAt: number;
    accuracy: "exact" | "fast";
    workDir: string;
    thumbnailWidths: number[];
  };

  export type Output = {
    path: string;
    bytes: number;
    durationMs: number;
    width: number;
    height: number;
    thumbnails: { width: number; height: number; path: string }[];
  };

  /** Whether the recordings cover [startAt, endAt), gaps of up to 1 s allowed. */
  export function covers(recordings: Recording[], startAt: number, endAt: number): boolean {
    return Segments.covers(Segments.plan(recordings, startAt, endAt), startAt, endAt);
  }

  export async function clip(input: Input): Promise<Output> {
    const parts = Segments.plan(input.recordings, input.startAt, input.endAt);
    if (!Segments.covers(parts, input.startAt, input.endAt)) {
      throw new MediaError("not_covered", "The recordings do not cover the clip window", false);
    }
    // A fresh dir of our own: the list may only name files we put there.
    const workDir = await mkdtemp(join(input.workDir, "cut-"));
    const probes = await Promise.all(
      parts.map((p) => Probe.details(p.recording.path, { trusted: true })),
    );

    // Safe mode accepts only plain relative names, so each recording gets a link we name.
    const lines = ["ffconcat version 1.0"];
    for (const [i, part] of parts.entries()) {
      const name = `part-${i}`;
      await symlink(resolve(part.recording.path), join(workDir, name));
      const startS = probes[i]!.startMs / 1000;
      lines.push(`file ${name}`);
      if (part.fromMs > 0) lines.push(`inpoint ${(startS + part.fromMs / 1000).toFixed(6)}`);
      lines.push(`outpoint ${(startS + part.toMs / 1000).toFixed(6)}`);
    }
    const list = join(workDir, "parts.ffconcat");
    await writeFile(list, `${lines.join("\n")}\n`);

    const first = parts[0]!.recording;
    const size = { width: even(first.width), height: even(first.height) };
    const audio = probes.every((p) => p.audioCodec);
    const uniform = probes.every(
      (p) =>
        p.width === probes[0]!.width &&
        p.height === probes[0]!.height &&
        p.videoCodec === probes[0]!.videoCodec &&
        p.audioCodec === probes[0]!.audioCodec,
    );
    const seconds = parts.reduce((sum, p) => sum + (p.toMs - p.fromMs), 0) / 1000;
    const path = join(workDir, "clip.mp4");

    // Stream copy cannot join different resolutions or codecs; those are always re-encoded.
    const args =
      input.accuracy === "fast" && uniform
        ? fastArgs(list, audio, path)
        : exactArgs(list, audio, size, seconds, path);
    await Ffmpeg.run("ffmpeg", args);

    const made = await Probe.details(path, { trusted: true });
    const thumbnails = await stills(path, made, input.thumbnailWidths, workDir);
    return {
      path,
      bytes: (await stat(path)).size,
      durationMs: made.durationMs,
      width: made.width,
      height: made.height,
      thumbnails,
    };
  }

  /** Input options for our own list file: concat in safe mode, nested demuxers allow-listed. */
  function concatInput(list: string): string[] {
    return [
      ...["-protocol_whitelist", "file", "-format_whitelist", `concat,${Ffmpeg.formatWhitelist}`],
      ...["-f", "concat", "-safe", "1", "-i", `file:${list}`],
    ];
  }

  /**
   * The demuxer starts each inpoint at the keyframe before it, handing those frames negative
   * timestamps. `-copyts` keeps them negative so `trim` at 0 drops exactly them.
   */
  function exactArgs(
    list: string,
    audio: boolean,
    size: Plan.Size,
    seconds: number,
    out: string,
  ): string[] {
    const end = seconds.toFixed(6);
    const { width: w, height: h } = size;
    const video =
      `[0:v:0]trim=start=0:end=${end},` +
      `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,` +
      "setsar=1,format=yuv420p[v]";
    const sound = audio ? `;[0:a:0]atrim=start=0:end=${end}[a]` : "";
    return [
      ...["-v", "error", "-y", "-copyts", ...concatInput(list)],
      ...["-filter_complex", video + sound, "-map", "[v]", ...(audio ? ["-map", "[a]"] : [])],
      ...FfmpegTranscoder.videoCodec,
      ...(audio ? FfmpegTranscoder.audioCodec : []),
      ...FfmpegTranscoder.mp4,
      out,
    ];
  }

  function fastArgs(list: string, audio: boolean, out: string): string[] {
    return [
      ...["-v", "error", "-y", ...concatInput(list)],
      ...["-map", "0:v:0", ...(audio ? ["-map", "0:a:0"] : []), "-c", "copy"],
      ...["-avoid_negative_ts", "make_zero", ...FfmpegTranscoder.mp4],
      out,
    ];
  }

  async function stills(clip: string, probe: Probe.Info, widths: number[], workDir: string) {
    const sizes = Plan.thumbnailSizes(probe, widths);
    const at = (Plan.thumbnailAt(probe.durationMs) / 1000).toFixed(3);
    const { graph, labels } = Thumbnails.graph("0:v:0", sizes, "t", 0);
    const paths = sizes.map((s) => join(workDir, `thumb-${s.width}.jpg`));
    await Ffmpeg.run("ffmpeg", [
      ...["-v", "error", "-y", "-ss", at, ...Ffmpeg.input(clip, probe.formatName)],
      ...["-filter_complex", graph],
      ...labels.flatMap((label, i) => Thumbnails.output(label, paths[i]!)),
    ]);
    return sizes.map((s, i) => ({ ...s, path: paths[i]! }));
  }

  function even(value: number): number {
    return Math.max(2, Math.round(value / 2) * 2);
  }
}
