import { Config } from "../config";
import { Lifecycle } from "../lifecycle";
import { logger } from "../log";
import type { HlsInfo, Probe, Rendition, StoryboardInfo, Thumbnail } from "../media";
import { Charges } from "../quota/charges";
import { Slots } from "../quota/slots";
import type { AudioInfo } from "../shapes";
import { ObjectKeys, Storage } from "../storage";
import { VideoMoves } from "./moves";
import type { VideoItem } from "./schema";

/**
 * A video's processing outcome, owned in one place: the lease (and the processing slot it needs),
 * the waits on the way (a retry, a MediaConvert job, the chunk workers), and the end: `ready`,
 * `failed`, `rejected` or `expired`, each freeing its slot. Ingest, the chunked path, the sweep
 * and the MediaConvert completion all end a video through here; only here calls the lifecycle.
 */
export namespace Outcome {
  /** The video kind the lifecycle moves. */
  const videos = Lifecycle.video;

  /** The stored video, or undefined if it is gone (deleted). */
  export const load = (videoId: string) => videos.load(videoId);

  export type Result =
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

  /**
   * The processing lease, after the concurrent-processing quota: a video about to start takes
   * one of its owner's slots or waits `queued`. Returns the leased video, or why there is none
   * (a lease whose attempts ran out ends the video `attempts_exhausted` here).
   */
  export async function lease(found: VideoItem, now: number): Promise<VideoItem | Result> {
    const slot = await claimSlot(found, now);
    if (slot === "queued") return "queued";
    const held = typeof slot === "number" ? slot : undefined;
    const leased = await takeLease(found, now, held);
    if (held !== undefined && typeof leased === "string") {
      await Slots.release({ ...found, slot: held });
    }
    if (leased === "exhausted") {
      return fail(found, "attempts_exhausted", "Processing did not finish after repeated attempts");
    }
    return leased;
  }

  /**
   * A video about to start processing takes one of its owner's slots, or waits `queued` (behind
   * any older queued video of the owner: first in, first out). After queueing it hands off
   * once, in case a slot freed meanwhile.
   */
  async function claimSlot(item: VideoItem, now: number): Promise<number | "queued" | "none"> {
    const starting = ["awaiting_upload", "fetching", "expired", "queued"].includes(item.status);
    const takeover = item.status === "processing" && Lifecycle.leaseExpired(item, now);
    if (!(starting || takeover) || (item.attempts ?? 0) >= Config.get().RUSHES_MAX_ATTEMPTS) {
      return "none";
    }
    const behind = item.status !== "queued" && (await Slots.queued(item.owner, 1)).length > 0;
    const slot = behind ? undefined : await Slots.take(item, now);
    if (slot !== undefined) return slot;
    if (item.status !== "queued") {
      const queued = await Lifecycle.move(videos, item, VideoMoves.queue, {
        detail: { reason: "concurrent_processing", previous: item.status },
        now,
      });
      if (!queued) return "none";
    }
    await Slots.handOff(item.owner);
    return "queued";
  }

  /**
   * From awaiting_upload (or expired: S3 checked the policy when the bytes arrived, so a late
   * event still counts), or from a processing lease that ran out because its worker died.
   */
  async function takeLease(
    item: VideoItem,
    now: number,
    slot?: number,
  ): Promise<VideoItem | "missing" | "busy" | "settled" | "exhausted"> {
    if ((item.attempts ?? 0) >= Config.get().RUSHES_MAX_ATTEMPTS) {
      if (Lifecycle.leaseExpired(item, now)) return "exhausted";
      return item.status === "processing" ? "busy" : "settled";
    }
    const leased = await Lifecycle.move(videos, item, VideoMoves.start, {
      ...(slot === undefined ? {} : { set: { slot } }),
      detail: { attempt: (item.attempts ?? 0) + 1, previous: item.status },
      now,
    });
    if (leased) return leased;
    const current = await videos.load(item.videoId);
    logger().info({ videoId: item.videoId, status: current?.status }, "lease not taken");
    if (!current) return "missing";
    return current.status === "processing" ? "busy" : "settled";
  }

  /** Gives a failed attempt's lease up, so the retried event (or the sweep) takes over at once. */
  export async function retrySoon(item: VideoItem, reason: string) {
    await Lifecycle.move(videos, item, VideoMoves.retry, {
      detail: { retry: true, reason: reason.slice(0, 200) },
    });
  }

  /** The transcode runs on MediaConvert: wait for its completion, as long as the job may run. */
  export async function submitted(
    item: VideoItem,
    job: { jobId: string; probe: Probe.Info; report: unknown; audio?: AudioInfo | undefined },
  ): Promise<Result> {
    const waiting = await Lifecycle.move(videos, item, VideoMoves.submit, {
      set: {
        transcodeJobId: job.jobId,
        probe: toProbe(job.probe),
        ...(job.audio ? { audio: job.audio } : {}),
      },
      detail: job.report,
    });
    if (!waiting) await removeIfDeleted(item.videoId);
    return "submitted";
  }

  /** Split for the chunk workers: the probe and chunk count recorded, the lease renewed. */
  export async function chunked(
    item: VideoItem,
    probe: Probe.Info,
    count: number,
    detail: object,
    audio?: AudioInfo,
  ) {
    return Lifecycle.move(videos, item, VideoMoves.chunk, {
      set: { probe: toProbe(probe), chunks: count, ...(audio ? { audio } : {}) },
      detail: { chunked: count, ...detail },
    });
  }

  /**
   * Every rung and the audio have their first segments stored: the video plays while it encodes.
   * Recorded once (`playableAt`, a conditional write), with its history line and `video.playable`;
   * a repeat (another chunk worker, a retried run) loses harmlessly. Never fails its caller: the
   * transcode goes on whatever this write does.
   */
  export async function playable(item: Pick<VideoItem, "videoId" | "owner">, now = Date.now()) {
    const current = await videos.load(item.videoId);
    if (current?.status !== "processing" || current.playableAt !== undefined) return undefined;
    return Lifecycle.move(videos, current, VideoMoves.playable, {
      set: { playableAt: now },
      where: (attr, op) => op.notExists(attr.playableAt),
      detail: { playableAt: now },
      now,
    }).catch((error: unknown) => {
      logger().warn({ err: error, videoId: item.videoId }, "playable not recorded");
      return undefined;
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

  /**
   * `removeIfDeleted: false` for a caller that may not delete a video's objects (the chunk
   * worker, under media/): a deleted video's tombstone has the sweep remove them instead.
   */
  export type Cleanup = { removeIfDeleted?: boolean };

  /** processing → ready, for the ffmpeg path, the chunk stitch and the MediaConvert completion. */
  export async function complete(
    item: VideoItem,
    result: {
      probe: ProbeAttr;
      renditions: Rendition[];
      thumbnails: Thumbnail[];
      hls?: HlsInfo;
      storyboard?: StoryboardInfo;
      audio?: AudioInfo | undefined;
      report: Record<string, unknown>;
    },
    options: Cleanup = {},
  ): Promise<Result> {
    const ready = await Lifecycle.move(videos, item, VideoMoves.ready, {
      set: {
        probe: result.probe,
        renditions: result.renditions,
        thumbnails: result.thumbnails,
        ...(result.hls ? { hls: result.hls } : {}),
        ...(result.storyboard ? { storyboard: result.storyboard } : {}),
        ...(result.audio ? { audio: result.audio } : {}),
        ...(item.recordedAt !== undefined
          ? { endsAt: item.recordedAt + result.probe.durationMs }
          : {}),
        // Only now does the video join its camera's recordings (the sparse `byCamera`).
        ...(item.cameraId !== undefined && item.recordedAt !== undefined
          ? { cameraScope: `${item.owner}/${item.cameraId}`, recordingStart: item.recordedAt }
          : {}),
      },
      detail: {
        ...result.report,
        renditions: result.renditions.map((r) => r.name),
        ...(result.hls ? { rungs: result.hls.rungs.map((r) => r.name) } : {}),
      },
    });
    if (!ready) {
      if (options.removeIfDeleted !== false) await removeIfDeleted(item.videoId);
      return "lost";
    }
    await release(ready);
    await Charges.outputs(ready, result.probe.durationMs).catch((error: unknown) =>
      logger().warn({ err: error, videoId: item.videoId }, "outputs not counted as stored"),
    );
    return "ready";
  }

  export function reject(item: VideoItem, code: string, message: string) {
    return end(item, "rejected", code, message);
  }

  export function fail(item: VideoItem, code: string, message: string, options: Cleanup = {}) {
    return end(item, "failed", code, message, options);
  }

  async function end(
    item: VideoItem,
    to: "rejected" | "failed",
    code: string,
    message: string,
    options: Cleanup = {},
  ): Promise<Result> {
    logger().warn({ videoId: item.videoId, code, message }, `video ${to}`);
    if (to === "rejected") {
      // An unacceptable input is not kept: only the record and its reason stay. Removed first
      // (our lease holds), so `rejected` never shows while its bytes can still be fetched.
      await Storage.removePrefixes(ObjectKeys.videoPrefixes(item.videoId));
      const current = await videos.load(item.videoId);
      if (current) await Charges.stored(current, -(current.storedBytes ?? 0));
    }
    const move = to === "failed" ? VideoMoves.fail : VideoMoves.reject;
    const done = await Lifecycle.move(videos, item, move, {
      set: { error: { code, message } },
      detail: { code, message },
    });
    if (!done) {
      if (options.removeIfDeleted !== false) await removeIfDeleted(item.videoId);
      return "lost";
    }
    await release(done);
    return to;
  }

  /** An upload never made (or made too late) is settled as `expired`. */
  export async function expire(item: VideoItem, reason: string, now = Date.now()) {
    return Lifecycle.move(videos, item, VideoMoves.expire, { detail: { reason }, now });
  }

  /** Processing is over (and said so): its slot goes to the owner's next queued video. */
  async function release(after: VideoItem) {
    if (after.slot === undefined) return;
    await Slots.release({ ...after, slot: after.slot }).catch((error: unknown) => {
      logger().warn({ err: error, videoId: after.videoId }, "slot release left to its lease");
    });
  }

  /**
   * A delete that won the race against this worker leaves no record: whatever the worker wrote
   * after it (the moved source, outputs) is removed here at once. The delete's tombstone has the
   * sweep remove it all again later (core/src/sweep.ts), so this only makes that sooner.
   */
  export async function removeIfDeleted(videoId: string) {
    if (await videos.load(videoId)) return;
    logger().info({ videoId }, "video deleted while processing; removing what was written");
    await Storage.removePrefixes(ObjectKeys.videoPrefixes(videoId));
  }
}
