import { statfs } from "node:fs/promises";
import { join } from "node:path";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { Events } from "../event";
import { logger } from "../log";
import {
  MediaError,
  Plan,
  Probe,
  type Rendition,
  type Thumbnail,
  transcoder,
  withWorkDir,
} from "../media";
import { Storage } from "../storage";
import type { VideoItem } from "./schema";
import { VideoState } from "./state";

/**
 * The ingest pipeline for one uploaded source: lease, re-check, probe, transcode, finish.
 * Input problems end as `rejected`, processing problems as `failed` once attempts run out;
 * neither ever retries forever.
 */
export namespace Ingest {
  export async function run(videoId: string) {
    const log = logger().child({ videoId });
    const lease = await VideoState.lease(videoId);
    if (lease.outcome === "exhausted") {
      return fail(
        lease.video,
        "attempts_exhausted",
        "Processing did not finish after repeated attempts",
      );
    }
    if (lease.outcome !== "leased") {
      log.info({ outcome: lease.outcome }, "nothing to do for this event");
      return lease.outcome;
    }
    const video = lease.video;
    try {
      return await process(video);
    } catch (error) {
      if (error instanceof MediaError && error.permanent) {
        return reject(video, error.code, error.message);
      }
      log.error({ err: error, attempt: video.attempts }, "ingest failed");
      if ((video.attempts ?? 0) >= Config.get().RUSHES_MAX_ATTEMPTS) {
        const e = error as Error & { code?: string };
        return fail(
          video,
          e instanceof MediaError ? e.code : "processing_error",
          e.message.slice(0, 500),
        );
      }
      // Expire our own lease so the retried event can take the video over at once.
      await VideoState.transition(video, {
        from: ["processing"],
        to: "processing",
        set: { processingStartedAt: 0 },
        detail: { retry: true, reason: (error as Error).message.slice(0, 200) },
      });
      throw error;
    }
  }

  /**
   * Videos whose ingest never finished: a `processing` lease left by a dead worker, or an
   * upload whose event was never delivered. A full scan, so for the local runtime's start and
   * for operators, never for a request path.
   */
  export async function unfinished(now = Date.now()): Promise<string[]> {
    const staleBefore = now - Config.get().RUSHES_PROCESSING_TIMEOUT_SECONDS * 1000;
    const { data } = await Dynamo.entities.video.scan
      .where((a, op) => `${op.eq(a.status, "processing")} OR ${op.eq(a.status, "awaiting_upload")}`)
      .go({ pages: "all" });
    const ids: string[] = [];
    for (const video of data) {
      if (video.status === "processing") {
        if (!video.transcodeJobId && (video.processingStartedAt ?? 0) < staleBefore)
          ids.push(video.videoId);
      } else if (await Storage.head(video.sourceKey)) {
        ids.push(video.videoId);
      }
    }
    return ids;
  }

  async function process(video: VideoItem) {
    const { RUSHES_MAX_UPLOAD_BYTES: max, RUSHES_THUMBNAIL_WIDTHS: widths } = Config.get();
    const head = await Storage.head(video.sourceKey);
    if (!head) return fail(video, "source_missing", "The uploaded object is gone");
    if (head.bytes === 0) return reject(video, "empty", "The upload is empty");
    if (head.bytes > video.bytes || head.bytes > max) {
      return reject(
        video,
        "too_large",
        `The upload has ${head.bytes} bytes; ${Math.min(video.bytes, max)} were allowed`,
      );
    }
    if (head.contentType.toLowerCase() !== video.contentType) {
      return reject(
        video,
        "content_type_mismatch",
        `Uploaded as ${head.contentType}, declared ${video.contentType}`,
      );
    }
    return withWorkDir(async (dir) => {
      // The source, two renditions and thumbnails must fit in /tmp (Lambda's is sized in infra).
      const { bavail, bsize } = await statfs(dir);
      if (head.bytes * 2.2 > bavail * bsize) {
        return fail(
          video,
          "insufficient_storage",
          `Not enough temporary space for a ${head.bytes}-byte source`,
        );
      }
      const sourcePath = join(dir, "source");
      await Storage.download(video.sourceKey, sourcePath);
      const probe = await Probe.file(sourcePath);
      const plan = Plan.forVideo(video.videoId, probe, widths);
      const outcome = await transcoder().transcode({
        videoId: video.videoId,
        bucket: Storage.bucket(),
        sourceKey: video.sourceKey,
        sourcePath,
        workDir: dir,
        probe,
        plan,
      });
      if (outcome.kind === "submitted") {
        await VideoState.transition(video, {
          from: ["processing"],
          to: "processing",
          set: { transcodeJobId: outcome.jobId, probe: toProbe(probe) },
          detail: { transcoder: "mediaconvert", jobId: outcome.jobId },
        });
        return "submitted" as const;
      }
      return complete(video, {
        probe: toProbe(probe),
        renditions: outcome.renditions,
        thumbnails: outcome.thumbnails,
      });
    });
  }

  type ProbeAttr = NonNullable<VideoItem["probe"]>;

  export function toProbe(probe: Probe.Info): ProbeAttr {
    return {
      durationMs: probe.durationMs,
      width: probe.width,
      height: probe.height,
      videoCodec: probe.videoCodec,
      ...(probe.audioCodec ? { audioCodec: probe.audioCodec } : {}),
      ...(probe.fps ? { fps: probe.fps } : {}),
      formatName: probe.formatName,
    };
  }

  /** processing → ready, shared by the ffmpeg path and the MediaConvert completion. */
  export async function complete(
    video: VideoItem,
    result: { probe: ProbeAttr; renditions: Rendition[]; thumbnails: Thumbnail[] },
  ) {
    const ready = await VideoState.transition(video, {
      from: ["processing"],
      to: "ready",
      set: {
        probe: result.probe,
        renditions: result.renditions,
        thumbnails: result.thumbnails,
        ...(video.recordedAt !== undefined
          ? { endsAt: video.recordedAt + result.probe.durationMs }
          : {}),
      },
      detail: { renditions: result.renditions.map((r) => r.name) },
    });
    if (!ready) return "lost" as const;
    await Events.publish("video.ready", ready.videoId, {
      videoId: ready.videoId,
      owner: ready.owner,
      status: "ready",
      bucket: Storage.bucket(),
      renditions: result.renditions.map(({ name, width, height, key }) => ({
        name,
        width,
        height,
        key,
      })),
      thumbnails: result.thumbnails,
      durationMs: result.probe.durationMs,
    });
    return "ready" as const;
  }

  export async function reject(video: VideoItem, code: string, message: string) {
    return settle(video, "rejected", code, message);
  }

  export async function fail(video: VideoItem, code: string, message: string) {
    return settle(video, "failed", code, message);
  }

  async function settle(
    video: VideoItem,
    to: "rejected" | "failed",
    code: string,
    message: string,
  ) {
    logger().warn({ videoId: video.videoId, code, message }, `video ${to}`);
    const done = await VideoState.transition(video, {
      from: ["processing"],
      to,
      set: { error: { code, message } },
      detail: { code, message },
    });
    if (!done) return "lost" as const;
    await Events.publish(to === "rejected" ? "video.rejected" : "video.failed", video.videoId, {
      videoId: video.videoId,
      owner: video.owner,
      status: to,
      bucket: Storage.bucket(),
      error: { code, message },
    });
    return to;
  }
}
