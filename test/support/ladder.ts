/**
 * Checks on a stored HLS ladder, as a player reads it: a rung assembled from its playlist, its
 * packets' timestamps (independent ffprobe), and the worst gap between frames. Core is imported
 * lazily: it must read the runtime's resources, so a runtime must be up first.
 */
import { execFile } from "node:child_process";
import { open, readFile } from "node:fs/promises";
import { promisify } from "node:util";

const exec = promisify(execFile);

export async function fetchKey(objectKey: string, path: string) {
  const { Storage } = await import("@rushes/core/storage");
  await Storage.download(objectKey, path);
  return path;
}

/** A rendition as a player assembles it: the init, then every segment its playlist lists. */
export async function assemble(id: string, rung: string, path: string) {
  const playlist = await readFile(
    await fetchKey(`media/${id}/hls/${rung}/index.m3u8`, `${path}.m3u8`),
    "utf8",
  );
  const init = /URI="([^"]+)"/.exec(playlist)![1]!;
  const files = [init, ...playlist.split("\n").filter((l) => l && !l.startsWith("#"))];
  const out = await open(path, "w");
  for (const file of files) {
    await out.write(
      await readFile(await fetchKey(`media/${id}/hls/${rung}/${file}`, `${path}.part`)),
    );
  }
  await out.close();
  return { path, segments: files.length - 1, playlist };
}

/** Each packet's [pts, duration] in seconds, in presentation order. */
export async function packets(path: string, stream: string) {
  const { Ffmpeg } = await import("@rushes/core/media");
  const { stdout } = await exec(Ffmpeg.paths().ffprobe, [
    ...["-v", "error", "-select_streams", stream, "-show_entries", "packet=pts_time,duration_time"],
    ...["-of", "csv=p=0", path],
  ]);
  return stdout
    .trim()
    .split("\n")
    .map((l) => l.split(",").map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0]);
}

/** The largest gap or overlap between consecutive presentation times, against the frame step. */
export function worstJitter(times: number[], step: number) {
  let worst = 0;
  for (let i = 1; i < times.length; i++)
    worst = Math.max(worst, Math.abs(times[i]! - times[i - 1]! - step));
  return worst;
}
