import { join } from "node:path";
import { conditional } from "../conditional";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";
import { Lifecycle } from "../lifecycle";
import { logger } from "../log";
import {
  ChunkTranscode,
  type HlsInfo,
  MediaConvert,
  MediaError,
  Plan,
  Probe,
  type Rendition,
  type StoryboardInfo,
  type Thumbnail,
  transcoder,
  withWorkDir,
} from "../media";
import { Charges } from "../quota/charges";
import { Slots } from "../quota/slots";
import { ObjectKeys, Storage } from "../storage";
import { Chunked } from "./chunked";
import { VideoMoves } from "./moves";
import type { VideoItem } from "./schema";

/**
 * The ingest pipeline for one uploaded source: refuse what must not be processed, lease,
 * re-check, move the source out of the presign's reach, probe, transcode, finish. Input problems
 * end as `rejected`, processing problems as `failed` once attempts run out; neither ever retries
 * forever. Every status change goes through core/src/lifecycle.ts.
 */
export namespace Ingest {
  const kind = Lifecycle.video;

  export type Outcome =
    | "ready"
    | "submitted"
    | "chunked"
    | "rejected"
    | "failed"
    | "expired"
    | "queued"
    | "lost"
    | "busy"
    | "settled"
    | "missing";

  export async function run(videoId: string, now = Date.now()): Promise<Outcome> {
    const log = logger().child({ videoId });
    const found = await kind.load(videoId);
    const uploadKey = ObjectKeys.source(videoId);
    if (!found) {
      // A deleted or unknown video: its upload must not linger.
      log.info("upload for no video; deleting it");
      await Storage.remove(uploadKey);
      return "missing";
    }
    if (found.status === "awaiting_upload" || found.status === "expired") {
      const head = await Storage.head(uploadKey);
      // S3 refuses a POST after the policy expires; the local stand-in does not, so refuse here.
      if (head?.lastModified !== undefined && head.lastModified > found.uploadExpiresAt) {
        log.info(
          { at: head.lastModified },
          "upload arrived after the presign expired; deleting it",
        );
        await Storage.remove(uploadKey);
        if (found.status === "awaiting_upload") await expire(found, "upload arrived too late", now);
        return "expired";
      }
    }
    const slot = await claimSlot(found, now);
    if (slot === "queued") return "queued";
    const held = typeof slot === "number" ? slot : undefined;
    const lease = await takeLease(found, now, held);
    if (held !== undefined && lease.outcome !== "leased" && lease.outcome !== "exhausted") {
      await Slots.release({ ...found, slot: held });
    }
    if (lease.outcome === "exhausted") {
      return fail(
        lease.video,
        "attempts_exhausted",
        "Processing did not finish after repeated attempts",
      );
    }
    if (lease.outcome !== "leased") {
      log.info({ outcome: lease.outcome }, "nothing to do for this event");
      // A re-post to a settled video's presign must not stay; a live lease owns its upload.
      if (lease.outcome !== "busy") await Storage.remove(uploadKey);
      return lease.outcome;
    }
    const video = lease.video;
    try {
      return await process(video);
    } catch (error) {
      if (error instanceof MediaError && error.permanent) {
        return reject(video, error.code, error.message);
      }
      // Past the split's cap a retry would only write as much again.
      if (error instanceof MediaError && error.code === ChunkTranscode.cappedCode) {
        return fail(video, error.code, error.message);
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
      // Expire our own lease so the retried event (or the sweep) can take the video over at once.
      await Lifecycle.move(kind, video, VideoMoves.retry, {
        detail: { retry: true, reason: (error as Error).message.slice(0, 200) },
      });
      throw error;
    }
  }

  /**
   * The concurrent-processing quota, before the lease: a video about to start processing takes
   * one of its owner's slots, or waits `queued` (behind any older queued video of the owner:
   * first in, first out). After queueing it hands off once, in case a slot freed meanwhile.
   */
  async function claimSlot(video: VideoItem, now: number): Promise<number | "queued" | "none"> {
    const starting = ["awaiting_upload", "expired", "queued"].includes(video.status);
    const takeover = video.status === "processing" && Lifecycle.leaseExpired(video, now);
    if (!(starting || takeover) || (video.attempts ?? 0) >= Config.get().RUSHES_MAX_ATTEMPTS) {
      return "none";
    }
    const behind = video.status !== "queued" && (await Slots.queued(video.owner, 1)).length > 0;
    const slot = behind ? undefined : await Slots.take(video, now);
    if (slot !== undefined) return slot;
    if (video.status !== "queued") {
      const queued = await Lifecycle.move(kind, video, VideoMoves.queue, {
        detail: { reason: "concurrent_processing", previous: video.status },
        now,
      });
      if (!queued) return "none";
    }
    await Slots.handOff(video.owner);
    return "queued";
  }

  type Lease =
    | { outcome: "leased"; video: VideoItem }
    | { outcome: "missing" | "busy" | "settled" }
    | { outcome: "exhausted"; video: VideoItem };

  /**
   * Takes the processing lease: from awaiting_upload (or expired: S3 checked the policy when
   * the bytes arrived, so a late event still counts), or from a processing lease that ran out
   * because its worker died. Attempts are bounded.
   */
  async function takeLease(video: VideoItem, now: number, slot?: number): Promise<Lease> {
    const max = Config.get().RUSHES_MAX_ATTEMPTS;
    if ((video.attempts ?? 0) >= max) {
      if (Lifecycle.leaseExpired(video, now)) return { outcome: "exhausted", video };
      return { outcome: video.status === "processing" ? "busy" : "settled" };
    }
    const leased = await Lifecycle.move(kind, video, VideoMoves.start, {
      ...(slot === undefined ? {} : { set: { slot } }),
      detail: { attempt: (video.attempts ?? 0) + 1, previous: video.status },
      now,
    });
    if (leased) return { outcome: "leased", video: leased };
    const current = await kind.load(video.videoId);
    logger().info({ videoId: video.videoId, status: current?.status }, "lease not taken");
    if (!current) return { outcome: "missing" };
    return { outcome: current.status === "processing" ? "busy" : "settled" };
  }

  async function process(video: VideoItem): Promise<Outcome> {
    const source = await validatedSource(video);
    if (typeof source === "string") return source;
    const { RUSHES_THUMBNAIL_WIDTHS: widths } = Config.get();
    return withWorkDir(async (dir) => {
      const adapter = transcoder();
      // A large source is probed by ranges: long MP4/MOV footage then fans out to chunk workers
      // that read their own stretches, and never comes down whole, so no /tmp bounds it. A small
      // one comes down in one GET, which is cheaper than a probe by ranges.
      let probed: Probe.Details | undefined;
      if (adapter.kind === "ffmpeg" && source.bytes >= Config.get().RUSHES_RANGED_READ_BYTES) {
        probed = await Probe.details(await Storage.presignRead(source.key), {
          bytes: source.bytes,
        });
        const probe = Probe.Info.parse(probed);
        await chargeMinutes(video, probe);
        if (Chunked.applies(probe) && Chunked.ranged(probe)) {
          const started = await Chunked.startRanged(video, probe, {
            ...probed,
            bytes: source.bytes,
          });
          if (started !== undefined) return started;
        }
      }
      // What the transcode needs in /tmp is the adapter's business (ffmpeg needs far more).
      const shortage = await adapter.scratchShortage(dir, source.bytes);
      if (shortage) return fail(video, "insufficient_storage", shortage);
      const sourcePath = join(dir, "source");
      await Storage.download(source.key, sourcePath);
      const probe = probed ? Probe.Info.parse(probed) : await Probe.file(sourcePath);
      if (!probed) await chargeMinutes(video, probe);
      // Long footage in other containers is split first (MediaConvert parallelises itself).
      if (adapter.kind === "ffmpeg" && Chunked.applies(probe)) {
        const started = await Chunked.start(video, sourcePath, probe, dir);
        if (started !== undefined) return started;
      }
      const plan = Plan.forVideo(video.videoId, probe, widths);
      const outcome = await adapter.transcode({
        videoId: video.videoId,
        bucket: Storage.bucket(),
        sourceKey: source.key,
        sourcePath,
        workDir: dir,
        probe,
        plan,
      });
      if (outcome.kind === "submitted") {
        const waiting = await Lifecycle.move(kind, video, VideoMoves.submit, {
          set: { transcodeJobId: outcome.jobId, probe: toProbe(probe) },
          detail: outcome.report,
        });
        if (!waiting) await removeIfDeleted(video.videoId);
        return "submitted";
      }
      return complete(video, {
        probe: toProbe(probe),
        renditions: outcome.renditions,
        thumbnails: outcome.thumbnails,
        hls: outcome.hls,
        storyboard: outcome.storyboard,
        report: outcome.report,
      });
    });
  }

  /** The daily source-minutes quota, counted once the duration is known; over it, `rejected`. */
  async function chargeMinutes(video: VideoItem, probe: Probe.Info) {
    try {
      await Charges.source(video, probe.durationMs);
    } catch (error) {
      if (error instanceof VisibleError && error.code === "quota_exceeded") {
        throw new MediaError(error.code, error.message, true);
      }
      throw error;
    }
  }

  /**
   * Re-checks size and type (the local stand-in does not enforce the POST policy), then moves
   * the upload to `sources/`: copy, point the record at the copy, delete the upload. A retry
   * after a crash anywhere in that finds either the upload or the record pointing at the copy.
   */
  async function validatedSource(
    video: VideoItem,
  ): Promise<{ key: string; bytes: number } | Outcome> {
    const { RUSHES_MAX_UPLOAD_BYTES: max } = Config.get();
    const original = ObjectKeys.original(video.videoId);
    const upload = ObjectKeys.source(video.videoId);
    if (video.sourceKey === original) {
      const moved = await Storage.head(original);
      if (!moved) return fail(video, "source_missing", "The uploaded object is gone");
      await Storage.remove(upload);
      return { key: original, bytes: moved.bytes };
    }
    const head = await Storage.head(upload);
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
    await Storage.copy(upload, original, { etag: head.etag, bytes: head.bytes });
    // Not a status change: where the source now lives, while our lease holds.
    const pointed = await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .set({ sourceKey: original })
        .composite({ owner: video.owner })
        .where((a, op) => op.eq(a.status, "processing"))
        .go(),
    );
    if (!pointed) {
      await removeIfDeleted(video.videoId);
      return "lost";
    }
    await Storage.remove(upload);
    await Charges.stored(video, head.bytes);
    return { key: original, bytes: head.bytes };
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

  /** processing → ready, for the ffmpeg path, the chunk stitch and the MediaConvert completion. */
  export async function complete(
    video: VideoItem,
    result: {
      probe: ProbeAttr;
      renditions: Rendition[];
      thumbnails: Thumbnail[];
      hls?: HlsInfo;
      storyboard?: StoryboardInfo;
      report: Record<string, unknown>;
    },
    options: Cleanup = {},
  ): Promise<Outcome> {
    const ready = await Lifecycle.move(kind, video, VideoMoves.ready, {
      set: {
        probe: result.probe,
        renditions: result.renditions,
        thumbnails: result.thumbnails,
        ...(result.hls ? { hls: result.hls } : {}),
        ...(result.storyboard ? { storyboard: result.storyboard } : {}),
        ...(video.recordedAt !== undefined
          ? { endsAt: video.recordedAt + result.probe.durationMs }
          : {}),
        // Only now does the video join its camera's recordings (the sparse `byCamera`).
        ...(video.cameraId !== undefined && video.recordedAt !== undefined
          ? {
              cameraScope: `${video.owner}/${video.cameraId}`,
              recordingStart: video.recordedAt,
            }
          : {}),
      },
      detail: {
        ...result.report,
        renditions: result.renditions.map((r) => r.name),
        ...(result.hls ? { rungs: result.hls.rungs.map((r) => r.name) } : {}),
      },
    });
    if (!ready) {
      if (options.removeIfDeleted !== false) await removeIfDeleted(video.videoId);
      return "lost";
    }
    await Charges.outputs(ready, result.probe.durationMs).catch((error: unknown) =>
      logger().warn({ err: error, videoId: video.videoId }, "outputs not counted as stored"),
    );
    return "ready";
  }

  /**
   * Finishes a video whose transcode ran on MediaConvert, from its EventBridge state change.
   * Foreign (another stage's or account's), stale and duplicate completions change nothing.
   */
  export async function completeJob(event: MediaConvert.JobStateChange) {
    const result = await MediaConvert.finish(event, Storage.bucket());
    if (!result) return "ignored" as const;
    const log = logger().child({ videoId: result.videoId, jobId: result.jobId });
    const video = await kind.load(result.videoId);
    if (!video) {
      log.info("completion for a deleted video; removing its outputs");
      await removeIfDeleted(result.videoId);
      return "ignored" as const;
    }
    if (video.status !== "processing" || video.transcodeJobId !== result.jobId) {
      log.info({ status: video.status }, "ignoring completion for a video not waiting on this job");
      return "ignored" as const;
    }
    if (result.status === "ERROR" || !video.probe) {
      const error = result.error ?? {
        code: "mediaconvert_error",
        message: "MediaConvert reported no outputs",
      };
      return fail(video, error.code, error.message);
    }
    // MediaConvert bills per minute of each output: every rendition and every HLS rung.
    const outputs = (result.renditions?.length ?? 0) + (result.hls?.rungs.length ?? 0);
    await Charges.cost(video.videoId, "mediaconvert", {
      mediaconvertMinutes: (video.probe.durationMs / 60_000) * Math.max(1, outputs),
    });
    return complete(video, {
      probe: video.probe,
      renditions: result.renditions ?? [],
      thumbnails: result.thumbnails ?? [],
      ...(result.hls ? { hls: result.hls } : {}),
      report: { transcoder: "mediaconvert", jobId: result.jobId },
    });
  }

  export function reject(video: VideoItem, code: string, message: string) {
    return settle(video, "rejected", code, message);
  }

  export function fail(video: VideoItem, code: string, message: string, options: Cleanup = {}) {
    return settle(video, "failed", code, message, options);
  }

  /**
   * `removeIfDeleted: false` for a caller that may not delete a video's objects (the chunk
   * worker, under media/): a deleted video's tombstone has the sweep remove them instead.
   */
  type Cleanup = { removeIfDeleted?: boolean };

  async function settle(
    video: VideoItem,
    to: "rejected" | "failed",
    code: string,
    message: string,
    options: Cleanup = {},
  ): Promise<Outcome> {
    logger().warn({ videoId: video.videoId, code, message }, `video ${to}`);
    if (to === "rejected") {
      // An unacceptable input is not kept: only the record and its reason stay. Removed first
      // (our lease holds), so `rejected` never shows while its bytes can still be fetched.
      await Storage.removePrefixes(ObjectKeys.videoPrefixes(video.videoId));
      const current = await kind.load(video.videoId);
      if (current) await Charges.stored(current, -(current.storedBytes ?? 0));
    }
    const done = await Lifecycle.move(
      kind,
      video,
      to === "failed" ? VideoMoves.fail : VideoMoves.reject,
      {
        set: { error: { code, message } },
        detail: { code, message },
      },
    );
    if (!done) {
      if (options.removeIfDeleted !== false) await removeIfDeleted(video.videoId);
      return "lost";
    }
    return to;
  }

  /** An upload never made (or made too late) is settled as `expired`. */
  export async function expire(video: VideoItem, reason: string, now = Date.now()) {
    return Lifecycle.move(kind, video, VideoMoves.expire, {
      detail: { reason },
      now,
    });
  }

  /**
   * A delete that won the race against this worker leaves no record: whatever the worker wrote
   * after it (the moved source, outputs) is removed here at once. The delete's tombstone has the
   * sweep remove it all again later (core/src/sweep.ts), so this only makes that sooner.
   */
  async function removeIfDeleted(videoId: string) {
    if (await kind.load(videoId)) return;
    logger().info({ videoId }, "video deleted while processing; removing what was written");
    await Storage.removePrefixes(ObjectKeys.videoPrefixes(videoId));
  }
}
