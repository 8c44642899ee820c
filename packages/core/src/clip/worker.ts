import { join } from "node:path";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { exactly } from "../exact";
import { Lifecycle } from "../lifecycle";
import { logger } from "../log";
import { Cut, MediaError, Segments, withWorkDir } from "../media";
import { ObjectKeys, Storage } from "../storage";
import type { VideoItem } from "../video/schema";
import { Clip } from "./index";
import { type ClipMove, ClipMoves } from "./moves";
import type { ClipItem } from "./schema";

/**
 * Works one clip request: decide (wait, give up, cut), then cut once. Safe under duplicate and
 * concurrent deliveries: only the worker that wins the pending → processing write cuts. Every
 * status change goes through core/src/lifecycle.ts.
 */
export namespace ClipWorker {
  export type Outcome =
    | "available"
    | "waiting"
    | "not_available"
    | "out_of_range"
    | "failed"
    | "skipped";

  export async function process(clipId: string, now = Date.now()): Promise<Outcome> {
    const clip = await Clip.load(clipId);
    const log = logger().child({ clipId });
    if (!clip) {
      log.warn("clip not found; dropping message");
      return "skipped";
    }
    const config = Config.get();
    const takeover = Lifecycle.leaseExpired(clip, now);
    if (clip.status !== "pending" && !takeover) return "skipped";

    const picked = clip.videoId ? await fromVideo(clip) : await fromCamera(clip, now);
    if (!Array.isArray(picked)) return picked;
    const leased = await Lifecycle.move(Lifecycle.clip, clip, ClipMoves.start, { now });
    if (!leased) return "skipped";
    try {
      await cut(leased, picked);
      return "available";
    } catch (error) {
      const permanent = error instanceof MediaError && error.permanent;
      log.error({ err: error, permanent }, "clip cut failed");
      if (permanent || (leased.attempts ?? 0) >= config.RUSHES_MAX_ATTEMPTS) {
        const e = error as Error & { code?: string };
        return giveUp(leased, ClipMoves.fail, {
          code: e.code ?? "cut_failed",
          message: e.message.slice(0, 500),
        });
      }
      // Transient: release the lease and try again after the retry delay. Attempts bound this.
      await Lifecycle.move(Lifecycle.clip, leased, ClipMoves.retry);
      await Clip.enqueue(leased.clipId, config.RUSHES_CLIP_RETRY_DELAY_SECONDS);
      return "waiting";
    }
  }

  /** A recording to cut from, placed on the clip's timeline. */
  type Picked = { video: VideoItem; recordedAt: number };

  /**
   * A video's clip: the video itself is the one recording, placed at 0, since the clip's
   * startAt/endAt are offsets into it. A video deleted (or no longer ready) since the request
   * ends the clip `not_available`.
   */
  async function fromVideo(clip: ClipItem): Promise<Picked[] | Outcome> {
    const { data } = await Dynamo.entities.video.get({ videoId: clip.videoId! }).go();
    const video = data as VideoItem | null;
    if (!video || video.owner !== clip.owner || video.status !== "ready" || !usable(video)) {
      return giveUp(clip, ClipMoves.notAvailable, {
        code: "not_available",
        message: "The video is no longer there to clip",
      });
    }
    return [{ video, recordedAt: 0 }];
  }

  /** A camera's clip: its ready recordings that cover the window, or wait, or give up. */
  async function fromCamera(clip: ClipItem, now: number): Promise<Picked[] | Outcome> {
    const config = Config.get();
    const log = logger().child({ clipId: clip.clipId });
    if (now - clip.startAt > config.RUSHES_CLIP_OUT_OF_RANGE_SECONDS * 1000) {
      return giveUp(clip, ClipMoves.outOfRange, {
        code: "out_of_range",
        message: "The footage is no longer kept",
      });
    }
    const recordings = await findRecordings(clip);
    // The cutter's own plan decides "covered": one gap rule for waiting and for cutting.
    const parts = Segments.plan(
      recordings.map((video) => ({
        path: video.videoId,
        recordedAt: video.recordedAt!,
        durationMs: video.probe!.durationMs,
        width: video.renditions![0]!.width,
        height: video.renditions![0]!.height,
      })),
      clip.startAt,
      clip.endAt,
    );
    const picked = Segments.covers(parts, clip.startAt, clip.endAt)
      ? recordings
          .filter((v) => parts.some((p) => p.recording.path === v.videoId))
          .map((video) => ({ video, recordedAt: video.recordedAt! }))
      : undefined;
    if (!picked) {
      if (now - clip.requestedAt < config.RUSHES_CLIP_RETRY_LIMIT_SECONDS * 1000) {
        log.info({ found: recordings.length }, "footage not there yet; retrying later");
        await Clip.enqueue(clip.clipId, config.RUSHES_CLIP_RETRY_DELAY_SECONDS);
        return "waiting";
      }
      return giveUp(clip, ClipMoves.notAvailable, {
        code: "not_available",
        message: "The camera's recordings do not cover the requested window",
      });
    }
    return picked;
  }

  const usable = (video: VideoItem) => Boolean(video.renditions?.length && video.probe);

  async function findRecordings(clip: ClipItem): Promise<VideoItem[]> {
    const longest = Config.get().RUSHES_MAX_DURATION_SECONDS * 1000;
    const { data } = await Dynamo.entities.video.query
      .byCamera({ cameraScope: `${clip.owner}/${clip.cameraId}` })
      .between(
        { recordingStart: Math.max(0, clip.startAt - longest) },
        { recordingStart: clip.endAt },
      )
      .where((a, op) => `${op.eq(a.status, "ready")} AND ${op.gt(a.endsAt, clip.startAt)}`)
      .go({ pages: "all" });
    const recordings = exactly(
      data as VideoItem[],
      { owner: clip.owner, cameraId: clip.cameraId! },
      "recordings",
    );
    return recordings.filter(usable);
  }

  async function cut(clip: ClipItem, recordings: Picked[]) {
    await withWorkDir(async (dir) => {
      // The top rendition is a normalised H.264/AAC MP4, which keeps concat and stream copy safe.
      // A video's clip cuts from it too, not from the stored source: that may be any container
      // and codec ingest accepted (stream copy into MP4 could fail), and it is untrusted input.
      const inputs = await Promise.all(
        recordings.map(async ({ video, recordedAt }, i) => {
          const rendition = video.renditions![0]!;
          const path = join(dir, `input-${i}.mp4`);
          await Storage.download(rendition.key, path);
          return {
            path,
            recordedAt,
            durationMs: video.probe!.durationMs,
            width: rendition.width,
            height: rendition.height,
          };
        }),
      );
      const result = await Cut.clip({
        recordings: inputs,
        startAt: clip.startAt,
        endAt: clip.endAt,
        accuracy: clip.accuracy,
        workDir: dir,
        thumbnailWidths: Config.get().RUSHES_THUMBNAIL_WIDTHS,
      });
      const key = ObjectKeys.clip(clip.clipId);
      await Storage.upload(key, result.path, "video/mp4");
      const thumbnails = [];
      for (const t of result.thumbnails) {
        const thumbKey = ObjectKeys.clipThumbnail(clip.clipId, t.width);
        await Storage.upload(thumbKey, t.path, "image/jpeg");
        thumbnails.push({ width: t.width, height: t.height, key: thumbKey });
      }
      await Lifecycle.move(Lifecycle.clip, clip, ClipMoves.available, {
        set: {
          output: { key, bytes: result.bytes, durationMs: result.durationMs },
          thumbnails,
          sources: recordings.map((r) => r.video.videoId),
        },
      });
    });
  }

  /** Ends the clip without an output: the window is out of range, never filled, or the cut failed. */
  async function giveUp(
    clip: ClipItem,
    move: ClipMove & { to: "not_available" | "out_of_range" | "failed" },
    error: { code: string; message: string },
  ): Promise<Outcome> {
    const done = await Lifecycle.move(Lifecycle.clip, clip, move, { set: { error } });
    return done ? move.to : "skipped";
  }
}
