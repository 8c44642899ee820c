import { mkdir, mkdtemp, rm, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Config } from "../config";
import type { Plan } from "./plan";
import type { Probe } from "./probe";

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
      report: Record<string, unknown>;
    }
  | { kind: "submitted"; jobId: string; report: Record<string, unknown> };

/** Free bytes in the filesystem that holds `dir`. */
export async function freeBytes(dir: string) {
  const { bavail, bsize } = await statfs(dir);
  return bavail * bsize;
}

export const contentTypes = {
  mp4: "video/mp4",
  jpg: "image/jpeg",
  m3u8: "application/vnd.apple.mpegurl",
  m4s: "video/iso.segment",
  vtt: "text/vtt",
} as const;

/**
 * A private scratch dir that is always removed, even when `fn` throws: Lambda's /tmp outlives
 * the invocation, and a few leftover renditions would fill it.
 */
export async function withWorkDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const base = Config.get().RUSHES_TMP_DIR ?? tmpdir();
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, "rushes-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
