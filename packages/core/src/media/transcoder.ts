import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Config } from "../config";
import type { Plan } from "./plan";
import type { Probe } from "./probe";

/** The port ingest talks to. Nothing outside core/media knows which adapter runs. */
export interface Transcoder {
  readonly kind: "ffmpeg" | "mediaconvert";
  transcode(job: TranscodeJob): Promise<TranscodeOutcome>;
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

export type { Rendition, Thumbnail } from "../shapes";

import type { Rendition, Thumbnail } from "../shapes";

/** ffmpeg finishes in-process; MediaConvert finishes later, through its completion event. */
export type TranscodeOutcome =
  | { kind: "complete"; renditions: Rendition[]; thumbnails: Thumbnail[] }
  | { kind: "submitted"; jobId: string };

export const contentTypes = { mp4: "video/mp4", jpg: "image/jpeg" } as const;

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
