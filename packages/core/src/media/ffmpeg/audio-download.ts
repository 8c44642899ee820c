import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Storage } from "../../storage";
import { ObjectKeys } from "../../storage/object-keys";
import type { Hls } from "../hls/hls";
import { Loudness } from "../loudness";
import { Mp4Download } from "./download";
import { Ffmpeg } from "./ffmpeg";

/**
 * The audio-only download: the ladder's audio rendition, its init and segments joined and
 * remuxed (stream copy) to a progressive M4A with faststart. Built from the audio every rung
 * plays, so on the chunked path it is the stitched audio, seamless as the ladder's is.
 */
export namespace AudioDownload {
  export const name = "audio";
  export const contentType = "audio/mp4";

  /** What was built: the file, and its loudness when the audio was normalised. */
  export type Built = { path: string; output?: Loudness.Measured };

  export async function build(
    hlsDir: string,
    audio: Pick<Hls.Measured, "name" | "init" | "segments">,
    path: string,
    options: { measure: boolean; run?: Ffmpeg.RunOptions },
  ): Promise<Built> {
    const joined = await Mp4Download.joinFragments(hlsDir, audio, `${path}.fragments.mp4`);
    try {
      await Ffmpeg.run(
        "ffmpeg",
        [
          ...["-v", "error", "-y", "-protocol_whitelist", "file"],
          ...["-f", "mov", "-i", `file:${joined}`, "-map", "0:a:0", "-c", "copy"],
          ...Mp4Download.flags,
          ...["-f", "ipod", path],
        ],
        options.run,
      );
    } finally {
      await rm(joined, { force: true });
    }
    if (!options.measure) return { path };
    return { path, output: await Loudness.measure(path, "mov", options.run) };
  }

  /** What a transcode reports of it: where it is stored, and the loudness it came out at. */
  export type Stored = {
    download: { key: string; bytes: number };
    output?: { integratedLufs?: number; truePeakDbtp?: number };
  };

  /**
   * Builds it beside the ladder in `hlsDir` and stores it at the video's key; the loudness is
   * measured when the audio was normalised (`measure`).
   */
  export async function store(
    videoId: string,
    hlsDir: string,
    audio: Pick<Hls.Measured, "name" | "init" | "segments">,
    options: { measure: boolean; bucket?: string; run?: Ffmpeg.RunOptions },
  ): Promise<Stored> {
    const key = ObjectKeys.audioDownload(videoId);
    const built = await build(hlsDir, audio, join(dirname(hlsDir), "audio.m4a"), options);
    const bytes = await Storage.upload(key, built.path, contentType, options.bucket);
    const { integratedLufs, truePeakDbtp } = built.output ?? {};
    return {
      download: { key, bytes },
      ...(built.output
        ? {
            output: {
              ...(integratedLufs === undefined ? {} : { integratedLufs }),
              ...(truePeakDbtp === undefined ? {} : { truePeakDbtp }),
            },
          }
        : {}),
    };
  }
}
