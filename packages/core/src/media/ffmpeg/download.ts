import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { MediaError } from "../error";
import type { Hls } from "../hls/hls";
import { Ffmpeg } from "./ffmpeg";

/** The MP4 downloads: remuxed (no re-encode) from a rung of the HLS ladder already written. */
export namespace Mp4Download {
  /** Faststart moves the index first so playback starts before the download ends. */
  export const flags = [
    ...["-movflags", "+faststart", "-map_metadata", "-1", "-map_chapters", "-1"],
    ...["-max_muxing_queue_size", "1024"],
  ];

  /**
   * An MP4 download from a rung: its init and segments joined (that is a valid fragmented MP4),
   * with the audio rendition joined the same way, remuxed to a progressive MP4 with faststart.
   * Stream copy, so it costs disk I/O only.
   */
  export async function download(
    hlsDir: string,
    ladder: Hls.Written,
    rungName: string,
    path: string,
    opts: Ffmpeg.RunOptions,
  ) {
    const rung = ladder.rungs.find((r) => r.name === rungName);
    if (!rung) throw new MediaError("ffmpeg_failed", `No rung ${rungName} for the download`, false);
    const video = await joinFragments(hlsDir, rung, `${path}.video.mp4`);
    const audio = ladder.audio
      ? await joinFragments(hlsDir, ladder.audio, `${path}.audio.mp4`)
      : undefined;
    const input = (file: string) => ["-f", "mov", "-i", `file:${file}`];
    await Ffmpeg.run(
      "ffmpeg",
      [
        ...["-v", "error", "-y", "-protocol_whitelist", "file"],
        ...input(video),
        ...(audio ? input(audio) : []),
        ...["-map", "0:v:0", ...(audio ? ["-map", "1:a:0"] : []), "-c", "copy"],
        ...flags,
        path,
      ],
      opts,
    );
    await Promise.all([video, audio].map((f) => (f ? rm(f, { force: true }) : undefined)));
  }

  /** Init + segments, byte for byte: the fragmented MP4 a player would assemble. */
  export async function joinFragments(
    hlsDir: string,
    rendition: Pick<Hls.Measured, "name" | "init" | "segments">,
    path: string,
  ) {
    const file = await open(path, "w");
    try {
      for (const part of [rendition.init, ...rendition.segments.map((s) => s.uri)]) {
        await file.write(await readFile(join(hlsDir, rendition.name, part)));
      }
    } finally {
      await file.close();
    }
    return path;
  }
}
