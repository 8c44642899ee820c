import type { AudioDownload } from "./ffmpeg/audio-download";
import type { Plan } from "./plan";
import type { Probe } from "./probe/probe";

/** The port ingest talks to. Nothing outside core/media knows which adapter runs. */
export interface Transcoder {
  readonly kind: "ffmpeg" | "mediaconvert";
  transcode(job: TranscodeJob): Promise<TranscodeOutcome>;
  /**
   * Why `dir` cannot hold what this adapter writes for a source of `bytes`, or undefined when
   * it can. Ingest asks before downloading, and fails the video (never retries) on a shortage.
   */
  scratchShortage(dir: string, bytes: number): Promise<string | undefined>;
}

export type TranscodeJob = {
  videoId: string;
  bucket: string;
  sourceKey: string;
  /** Local copy of the source, already downloaded by ingest. */
  sourcePath: string;
  workDir: string;
  probe: Probe.Info;
  plan: Plan;
  /**
   * Playback while it encodes (the ffmpeg adapter; MediaConvert's outputs play at ready):
   * `onPlayable` runs once every rung and the audio have their first segments stored.
   */
  progress?: { onPlayable?: () => Promise<unknown> };
};

export type { HlsInfo, Rendition, StoryboardInfo, Thumbnail } from "../shapes";

import type { HlsInfo, Rendition, StoryboardInfo, Thumbnail } from "../shapes";

/**
 * ffmpeg finishes in-process; MediaConvert finishes later, through its completion event. `report`
 * says what the adapter did, for the video's history.
 */
export type TranscodeOutcome =
  | {
      kind: "complete";
      renditions: Rendition[];
      thumbnails: Thumbnail[];
      hls: HlsInfo;
      storyboard?: StoryboardInfo;
      /** The `.m4a` download (and its loudness, when normalised); absent without audio. */
      audio?: AudioDownload.Stored;
      report: Record<string, unknown>;
    }
  | { kind: "submitted"; jobId: string; report: Record<string, unknown> };

// video/chunked*.ts read the content types here; they may import them from ../media instead.
export { contentTypes } from "./content-types";
