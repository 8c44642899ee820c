import { copyFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { MediaError } from "../error";
import type { Plan } from "../plan";
import { Ffmpeg } from "./ffmpeg";

/**
 * The scrubbing storyboard: JPEG sheets of small tiles, and a WebVTT file whose cues point into
 * them with `#xywh=` (the format Mux, Bunny and JW Player serve, and video.js/hls.js UIs read).
 */
export namespace Storyboard {
  /**
   * From `[input]`: one frame every interval, scaled to a tile and tiled onto sheets. `tile`
   * flushes a partly filled last sheet at the end of the stream.
   */
  export function graph(input: string, sb: Plan.Storyboard, label: string) {
    const fps = `fps=fps=1000/${sb.intervalMs}`;
    const scale = `scale=${sb.tile.width}:${sb.tile.height},setsar=1,format=yuvj420p`;
    return `[${input}]${fps},${scale},tile=${sb.columns}x${sb.rows}[${label}]`;
  }

  /** Output options: the sheets as `dir/0.jpg`, `dir/1.jpg`… */
  export function output(label: string, dir: string): string[] {
    return [
      ...["-map", `[${label}]`, "-c:v", "mjpeg", "-q:v", "5"],
      ...["-f", "image2", "-start_number", "0", join(dir, "%d.jpg")],
    ];
  }

  /**
   * The tiles a chunk of the video makes: those whose time (i × interval) falls in
   * [startMs, endMs), or from startMs on for the last chunk; `offsetMs` is the first one's time
   * from the chunk's start.
   */
  export function tilesIn(sb: Plan.Storyboard, startMs: number, endMs: number | undefined) {
    const first = Math.ceil(startMs / sb.intervalMs);
    const end =
      endMs === undefined ? sb.count : Math.min(sb.count, Math.ceil(endMs / sb.intervalMs));
    const count = Math.max(0, end - first);
    return { first, count, offsetMs: first * sb.intervalMs - startMs };
  }

  /** From `[input]`, timed from the chunk's start: one frame every interval from `offsetMs`, as tiles. */
  export function tileGraph(input: string, sb: Plan.Storyboard, offsetMs: number, label: string) {
    const fps = `fps=fps=1000/${sb.intervalMs}`;
    const scale = `scale=${sb.tile.width}:${sb.tile.height},setsar=1,format=yuvj420p`;
    return `[${input}]trim=start=${(offsetMs / 1000).toFixed(3)},setpts=PTS-STARTPTS,${fps},${scale}[${label}]`;
  }

  /** Output options: `count` tiles as `dir/{first}.jpg`, `dir/{first + 1}.jpg`… */
  export function tileOutput(label: string, dir: string, first: number, count: number): string[] {
    return [
      ...["-map", `[${label}]`, "-frames:v", String(count), "-c:v", "mjpeg", "-q:v", "5"],
      ...["-f", "image2", "-start_number", String(first), join(dir, "%d.jpg")],
    ];
  }

  /**
   * The sheets from every tile (`dir/{i}.jpg`, i < count): a tile a chunk did not make (its
   * stretch ended a frame early) repeats the one before, so cues never point at a hole.
   */
  export async function sheetsFromTiles(sb: Plan.Storyboard, tiles: string, out: string) {
    let last: string | undefined;
    for (let i = 0; i < sb.count; i++) {
      const path = join(tiles, sheetName(i));
      if (await exists(path)) last = path;
      else if (last) await copyFile(last, path);
      else throw new MediaError("ffmpeg_failed", "The storyboard has no first tile", false);
    }
    await Ffmpeg.run("ffmpeg", [
      ...["-v", "error", "-y", "-protocol_whitelist", "file", "-f", "image2", "-framerate", "1"],
      ...["-start_number", "0", "-i", `file:${join(tiles, "%d.jpg")}`],
      ...["-vf", `tile=${sb.columns}x${sb.rows}`, "-frames:v", String(sb.sheets.length)],
      ...["-c:v", "mjpeg", "-q:v", "5", "-f", "image2", "-start_number", "0", join(out, "%d.jpg")],
    ]);
  }

  const exists = (path: string) =>
    stat(path).then(
      () => true,
      () => false,
    );

  /** The local file name of sheet `i` as `output` writes it. */
  export const sheetName = (i: number) => `${i}.jpg`;

  /**
   * The cues: tile `i` covers [i × interval, (i + 1) × interval), the last one ends with the video.
   * Sheet URIs are relative names (`0.jpg`); the playback route signs them.
   */
  export function vtt(sb: Plan.Storyboard, durationMs: number): string {
    const perSheet = sb.columns * sb.rows;
    const cues: string[] = ["WEBVTT", ""];
    for (let i = 0; i < sb.count; i++) {
      const start = i * sb.intervalMs;
      const end = Math.max(start + 1, Math.min((i + 1) * sb.intervalMs, durationMs));
      const at = i % perSheet;
      const x = (at % sb.columns) * sb.tile.width;
      const y = Math.floor(at / sb.columns) * sb.tile.height;
      const sheet = sheetName(Math.floor(i / perSheet));
      cues.push(
        `${timestamp(start)} --> ${timestamp(end)}`,
        `${sheet}#xywh=${x},${y},${sb.tile.width},${sb.tile.height}`,
        "",
      );
    }
    return cues.join("\n");
  }

  /** WebVTT's `hh:mm:ss.mmm`. */
  export function timestamp(ms: number): string {
    const h = Math.floor(ms / 3_600_000);
    const m = Math.floor((ms % 3_600_000) / 60_000);
    const s = Math.floor((ms % 60_000) / 1000);
    const pad = (n: number, w = 2) => String(n).padStart(w, "0");
    return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
  }
}
