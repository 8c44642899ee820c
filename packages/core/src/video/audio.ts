import { Config } from "../config";
import { type AudioDownload, Loudness, type Plan, type Probe } from "../media";
import type { AudioInfo } from "../shapes";
import type { VideoItem } from "./schema";

/**
 * A video's loudness normalisation: whether it is wanted (the upload's `normalizeAudio`, else
 * `RUSHES_NORMALIZE_AUDIO`), the one measurement of its source, and what the video records.
 */
export namespace VideoAudio {
  export function wanted(video: Pick<VideoItem, "normalizeAudio">): boolean {
    return video.normalizeAudio ?? Config.get().RUSHES_NORMALIZE_AUDIO;
  }

  /**
   * Measures the whole source once (`path` is a local file or a presigned URL) when the video
   * wants normalising and has audio; undefined otherwise. A timeout is permanent, as the
   * transcode's own: the measurement is bounded by the content.
   */
  export async function measure(
    video: Pick<VideoItem, "normalizeAudio">,
    path: string,
    probe: Probe.Info,
  ): Promise<Loudness.Planned | undefined> {
    if (!probe.audioCodec || !wanted(video)) return undefined;
    const input = await Loudness.measure(path, probe.formatName, { permanentTimeout: true });
    const targetLufs = Config.get().RUSHES_LOUDNESS_TARGET_LUFS;
    return { input, targetLufs, gainDb: Loudness.gain(input, targetLufs) };
  }

  /** What the plan carries to the transcoders (and every chunk worker reads back). */
  export function normalize(planned: Loudness.Planned | undefined): Plan.Normalize | undefined {
    return planned ? { targetLufs: planned.targetLufs, gainDb: planned.gainDb } : undefined;
  }

  /** The normalisation a chunked video recorded at its fan-out. */
  export function recorded(video: Pick<VideoItem, "audio">): Plan.Normalize | undefined {
    const loudness = video.audio?.loudness;
    return loudness?.gainDb === undefined
      ? undefined
      : { targetLufs: loudness.targetLufs, gainDb: loudness.gainDb };
  }

  /** The `audio` a finished video records: its download and, when normalised, its loudness. */
  export function info(
    planned: (Omit<Loudness.Planned, "gainDb"> & { gainDb?: number }) | undefined,
    stored: AudioDownload.Stored | undefined,
  ): AudioInfo | undefined {
    if (!planned && !stored) return undefined;
    return {
      ...(stored ? { download: stored.download } : {}),
      ...(planned
        ? { loudness: { ...planned, ...(stored?.output ? { output: stored.output } : {}) } }
        : {}),
    };
  }
}
