import { Captions } from "./captions";
import { ClipMoves } from "./clip/moves";
import type { ClipItem } from "./clip/schema";
import { conditional } from "./conditional";
import { Config } from "./config";
import { Dynamo } from "./dynamo";
import { Lifecycle } from "./lifecycle";
import { logger } from "./log";
import { Move } from "./move";
import { Slots } from "./quota/slots";
import { ObjectKeys, Storage } from "./storage";
import { VideoMoves } from "./video/moves";
import { Outcome } from "./video/outcome";
import type { VideoItem } from "./video/schema";

/**
 * The scheduled sweep (a cron Lambda in AWS, a timer locally), so that no crash leaves anything
 * half done for ever. Each run, through the lifecycle's `byDue` index (Queries, never a Scan):
 * 1. publishes outbox entries a crashed publisher left unsent;
 * 2. re-drives `processing` leases that ran out (a dead worker's), including a MediaConvert job
 *    past its own deadline: the caller hands the video back to ingest, which takes the lease
 *    over, or fails it with `attempts_exhausted` once attempts run out;
 * 3. settles uploads never made as `expired` (or re-drives one whose event was lost);
 * 4. re-enqueues clips whose lease ran out;
 * 5. hands free processing slots to queued videos, whose hand-off a crash may have lost.
 * 6. removes every object of a deleted video once no worker that started before the delete can
 *    still write (its tombstone's `dueAt` plus one processing lease), then the tombstone.
 * How a re-drive reaches ingest or the clip queue is the caller's business (transport).
 */
export namespace Sweep {
  export interface Redrive {
    /** Delivers the video's upload to ingest again (in AWS: an async invoke of Ingest). */
    video(videoId: string): Promise<void>;
    /** Puts the clip back on its queue. */
    clip(clipId: string): Promise<void>;
  }

  export type Report = {
    published: number;
    redriven: string[];
    expired: string[];
    clips: string[];
    /** Queued videos sent to take a slot that had freed. */
    started: string[];
    /** Deleted videos whose objects were removed for good. */
    removed: string[];
  };

  /** A publisher this young may still be running: leave its entries to it. */
  const outboxQuietMs = 30_000;

  /**
   * One pass. `reclaimAll` is for a local start-up only: nothing else can hold a lease there, so
   * every lease counts as run out and is released, every unsent entry is sent, and every waiting
   * upload is looked at. Never on a deployed stage, where a live worker holds its lease: there
   * the upgrade step adopts legacy records without releasing anything (`adoptLegacy`).
   */
  export async function run(
    redrive: Redrive,
    options: { now?: number; reclaimAll?: boolean } = {},
  ): Promise<Report> {
    const now = options.now ?? Date.now();
    const all = options.reclaimAll ?? false;
    const log = logger().child({ sweep: true });
    const report: Report = {
      published: 0,
      redriven: [],
      expired: [],
      clips: [],
      started: [],
      removed: [],
    };
    if (all) await adoptLegacy(now);

    // 1. The outbox first: a record goes back to waiting on its own status once it is flushed.
    for (const kind of [Lifecycle.video, Lifecycle.clip] as const) {
      for (const item of await due(kind.name, "outbox")) {
        const newest = Math.max(0, ...(item.outbox ?? []).map((e) => e.at));
        if (!all && newest > now - outboxQuietMs) continue;
        try {
          report.published += await Lifecycle.publish(kind as never, item as never);
        } catch (error) {
          log.warn({ err: error, id: kind.id(item as never) }, "outbox entry still unsent");
        }
      }
    }

    // 2. Leases that ran out (all of them locally at start-up, except jobs MediaConvert holds).
    for (const video of (await due("video", "processing", all ? undefined : now)) as VideoItem[]) {
      if (all && video.transcodeJobId) continue;
      if (all && !Lifecycle.leaseExpired(video, now)) await release(video, now);
      log.info({ videoId: video.videoId }, "re-driving a processing lease that ran out");
      await redrive.video(video.videoId);
      report.redriven.push(video.videoId);
    }

    // 3. Uploads never made. One whose bytes did arrive in time lost its event: re-drive it.
    const waiting = (await due("video", "awaiting_upload", all ? undefined : now)) as VideoItem[];
    for (const video of waiting) {
      const head = await Storage.head(ObjectKeys.source(video.videoId));
      if (head && (head.lastModified ?? 0) <= video.uploadExpiresAt) {
        log.info({ videoId: video.videoId }, "re-driving an upload whose event was lost");
        await redrive.video(video.videoId);
        report.redriven.push(video.videoId);
      } else if (video.uploadExpiresAt + Lifecycle.uploadGraceMs() <= now) {
        if (head) await Storage.remove(ObjectKeys.source(video.videoId));
        if (await Outcome.expire(video, "upload not received before the presign expired", now)) {
          report.expired.push(video.videoId);
        }
      }
    }

    // 4. Clips whose worker died: the queue hands them to a worker, which takes the lease over.
    for (const clip of (await due("clip", "processing", all ? undefined : now)) as ClipItem[]) {
      if (all && !Lifecycle.leaseExpired(clip, now)) {
        await Lifecycle.move(Lifecycle.clip, clip, ClipMoves.reclaim, {
          detail: { reclaimed: true },
          now,
        });
      }
      await redrive.clip(clip.clipId);
      report.clips.push(clip.clipId);
    }

    // 5. Queued videos, each owner's oldest first, into the slots that are free now.
    const owners = new Set(
      ((await due("video", "queued")) as VideoItem[]).map((video) => video.owner),
    );
    for (const owner of owners) {
      report.started.push(...(await Slots.handOff(owner, now, redrive.video)));
    }

    // 6. Deleted videos. A lease outlives any run of ingest or a chunk worker, so once one has
    // passed since the delete (or since a MediaConvert job's deadline), nothing writes any more.
    const settled = all ? undefined : now - Lifecycle.leaseEnd(0);
    for (const tombstone of await tombstones(settled)) {
      await removeDeleted(tombstone.videoId);
      report.removed.push(tombstone.videoId);
    }

    if (
      report.removed.length ||
      report.published ||
      report.started.length ||
      report.redriven.length ||
      report.expired.length ||
      report.clips.length
    ) {
      log.info(
        {
          published: report.published,
          redriven: report.redriven.length,
          expired: report.expired.length,
          clips: report.clips.length,
          started: report.started.length,
          removed: report.removed.length,
        },
        "sweep done",
      );
    }
    return report;
  }

  /**
   * Records written before the `byDue` index existed are not on it: put the unfinished ones
   * there, each due when its own lease or upload would end. It releases nothing: a live lease
   * stays its holder's until it runs out, and only then does a sweep re-drive it. A Scan, so it
   * runs at a local start-up and, on a deployed stage, once in the upgrade step
   * (core/src/upgrade.ts), never in the scheduled pass. Idempotent: what it adopted is on the
   * index, so a second run finds nothing.
   */
  export async function adoptLegacy(now: number): Promise<{ videos: number; clips: number }> {
    const timeout = Lifecycle.leaseEnd(0);
    const unfinished = (a: { status: unknown; dueScope: unknown }, op: Scanned) =>
      `${op.notExists(a.dueScope)} AND (${op.eq(a.status, "processing")} OR ${op.eq(
        a.status,
        "awaiting_upload",
      )})`;
    const videos = await Dynamo.entities.video.scan.where(unfinished as never).go({ pages: "all" });
    for (const video of videos.data as VideoItem[]) {
      const dueAt =
        video.status === "awaiting_upload"
          ? video.uploadExpiresAt + Lifecycle.uploadGraceMs()
          : (video.processingStartedAt ?? 0) +
            (video.transcodeJobId
              ? Config.get().RUSHES_MEDIACONVERT_TIMEOUT_SECONDS * 1000
              : timeout);
      await conditional(
        Dynamo.entities.video
          .patch({ videoId: video.videoId })
          .set({ dueScope: Move.scope("video", video.status), dueAt })
          .composite({ owner: video.owner })
          .where((a, op) => op.eq(a.status, video.status))
          .go(),
      );
    }
    const clips = await Dynamo.entities.clip.scan.where(unfinished as never).go({ pages: "all" });
    for (const clip of clips.data as ClipItem[]) {
      if (clip.status !== "processing") continue;
      await conditional(
        Dynamo.entities.clip
          .patch({ clipId: clip.clipId })
          .set({
            dueScope: Move.scope("clip", "processing"),
            dueAt: (clip.processingStartedAt ?? 0) + timeout,
          })
          .where((a, op) => op.eq(a.status, "processing"))
          .go(),
      );
    }
    const adopted = { videos: videos.data.length, clips: clips.data.length };
    if (adopted.videos + adopted.clips) {
      logger().info({ ...adopted, now }, "put records from before the due index on it");
    }
    return adopted;
  }

  async function tombstones(before?: number) {
    const query = Dynamo.entities.videoTombstone.query.byDue({
      dueScope: Move.scope("video", "deleted"),
    });
    const { data } = await (before === undefined ? query : query.lt({ dueAt: before })).go({
      pages: "all",
    });
    return data;
  }

  /**
   * Every prefix of a deleted video, and any history line written after the delete. A record
   * that still exists (its delete failed after the tombstone) keeps its objects.
   */
  async function removeDeleted(videoId: string) {
    if (!(await Lifecycle.video.load(videoId))) {
      await Storage.removePrefixes([
        ...ObjectKeys.videoPrefixes(videoId),
        ObjectKeys.workPrefix(videoId),
      ]);
      const { data: late } = await Dynamo.entities.videoEvent.query
        .byId({ videoId })
        .go({ pages: "all", attributes: ["videoId", "eventId"] });
      if (late.length) await Dynamo.entities.videoEvent.delete(late).go();
      // An automatic track that finished after the delete.
      await Captions.removeRows(videoId);
    }
    await Dynamo.entities.videoTombstone.delete({ videoId }).go();
  }

  type Scanned = { notExists(a: unknown): string; eq(a: unknown, v: unknown): string };

  /** Ends a lease nobody can hold any more (a local restart), so the re-drive may take it. */
  async function release(video: VideoItem, now: number) {
    await Lifecycle.move(Lifecycle.video, video, VideoMoves.reclaim, {
      detail: { reclaimed: true, reason: "the runtime restarted" },
      now,
    });
  }

  /** Records waiting in `scope`, whose wait ended before `before` (all of them if unset). */
  async function due(
    kind: "video" | "clip",
    status: string,
    before?: number,
  ): Promise<Array<VideoItem | ClipItem>> {
    const dueScope = Move.scope(kind, status);
    const options = { pages: "all" } as const;
    if (kind === "video") {
      const query = Dynamo.entities.video.query.byDue({ dueScope });
      const { data } = await (before === undefined ? query : query.lt({ dueAt: before })).go(
        options,
      );
      return data as VideoItem[];
    }
    const query = Dynamo.entities.clip.query.byDue({ dueScope });
    const { data } = await (before === undefined ? query : query.lt({ dueAt: before })).go(options);
    return data as ClipItem[];
  }
}
