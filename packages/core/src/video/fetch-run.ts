import { randomUUID } from "node:crypto";
import * as z from "zod";
import { conditional } from "../conditional";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";
import { UrlFetch } from "../fetch";
import { createId } from "../id";
import { Lifecycle } from "../lifecycle";
import { logger } from "../log";
import { Queue } from "../queue";
import { Multipart, ObjectKeys } from "../storage";
import { VideoMoves } from "./moves";
import type { VideoItem } from "./schema";

/**
 * The Fetch function's side of a URL ingest (video/fetch.ts creates and cancels one): one runner
 * at a time claims the video (`fetchRunner`, `fetchLeaseUntil`) and renews the claim while it
 * streams the source into a multipart upload with the fetch engine (fetch/). Near its function's
 * time limit it records its progress (a status move fetching → fetching, with its history line)
 * and sends a continuation message; the next runner resumes from the recorded progress. A
 * duplicate message finds the fetch claimed; a runner that dies is resumed by its message's
 * redelivery once its claim has run out. Completing the upload fires the same ObjectCreated as
 * an upload, so ingest takes it from there.
 */
export namespace FetchRun {
  /** A FetchQueue message: which video; the progress it carries is the record's, for the logs. */
  export const Message = z.object({
    videoId: z.string(),
    owner: z.string(),
    progress: z.unknown().optional(),
  });
  export type Message = z.infer<typeof Message>;

  export const queue = () => Queue.port<Message>("fetch");
  const videos = Lifecycle.video;

  /**
   * How often a running fetch renews its claim, which also checks that its video is still
   * `fetching` (a cancel, a delete); and how long a claim lasts unrenewed, so a runner that died
   * leaves the fetch to its message's redelivery.
   */
  export const watchMs = 2000;
  export const claimMs = 30_000;

  export type Result =
    | "done"
    | "continued"
    | "failed"
    | "cancelled"
    | "busy"
    | "settled"
    | "missing";

  export type Invocation = {
    /** The function's time left (Lambda's `getRemainingTimeInMillis`). */
    remainingMs: () => number;
    /** This message's receive count, and the queue's maxReceiveCount. */
    receives?: number;
    maxReceives?: number;
  };

  /** What a runner keeps back from its time budget to record its progress and hand over. */
  export const marginMs = (remainingMs: number) => Math.min(60_000, Math.floor(remainingMs / 10));

  /** Runs (or resumes) one video's fetch for as long as this invocation may. */
  export async function run(message: Message, invocation: Invocation): Promise<Result> {
    const log = logger().child({ videoId: message.videoId });
    const found = await videos.load(message.videoId);
    if (!found || found.owner !== message.owner) return "missing";
    if (found.status !== "fetching" || !found.sourceUrl) return "settled";
    const runner = randomUUID();
    const started = Date.now();
    const remaining = invocation.remainingMs();
    const claimed = await conditional(
      Dynamo.entities.video
        .patch({ videoId: found.videoId })
        .set({ fetchRunner: runner, fetchLeaseUntil: started + claimMs })
        .composite({ owner: found.owner })
        .where(
          (attr, op) =>
            `${op.eq(attr.status, "fetching")} AND (${op.notExists(attr.fetchLeaseUntil)} OR ${op.lt(attr.fetchLeaseUntil, started)})`,
        )
        .go({ response: "all_new" }),
    );
    if (!claimed) {
      log.info("another runner holds this fetch");
      return "busy";
    }
    const item = claimed.data as VideoItem;
    const progress = (item.fetchProgress ?? message.progress) as UrlFetch.Progress | undefined;
    const stop = new AbortController();
    const watch = setInterval(() => {
      renew(item, runner)
        .then((held) => {
          if (!held) stop.abort(new Error("the video left fetching"));
        })
        .catch((error: unknown) => log.warn({ err: error }, "fetch claim not renewed"));
    }, watchMs);
    let result: UrlFetch.Result;
    try {
      result = await UrlFetch.run({
        url: item.sourceUrl!,
        key: ObjectKeys.source(item.videoId),
        maxBytes: item.bytes,
        ...(progress ? { progress } : {}),
        deadline: started + remaining - marginMs(remaining),
        signal: stop.signal,
        allowLocal: Config.get().RUSHES_FETCH_ALLOW_LOCAL,
        partBytes: Config.get().RUSHES_MULTIPART_PART_BYTES,
        // Stored as the video says, so ingest's type check holds; the probe decides what it is.
        contentType: item.contentType,
      });
    } catch (error) {
      // A cancel or a fetch_* failure: the engine has aborted its multipart upload.
      if (stop.signal.aborted) return "cancelled";
      if (error instanceof UrlFetch.FetchFailure) {
        return failed(item, runner, {
          code: error.code,
          message: error.message,
          ...(error.status !== undefined ? { status: error.status } : {}),
        });
      }
      if ((invocation.receives ?? 1) >= (invocation.maxReceives ?? Number.POSITIVE_INFINITY)) {
        log.error({ err: error }, "fetch failed on its last receive");
        await abortUpload(item.videoId, progress?.uploadId);
        return failed(item, runner, { code: "fetch_failed", message: (error as Error).message });
      }
      // Anything else (S3, the network to it) leaves the recorded upload as it was: the
      // message's redelivery resumes from it.
      await release(item, runner);
      throw error;
    } finally {
      clearInterval(watch);
    }
    if (result.done) {
      await finished(item, runner, result.bytes);
      return "done";
    }
    return continued(item, runner, result.progress);
  }

  /** Near the time limit: the progress recorded, then a continuation message. */
  async function continued(item: VideoItem, runner: string, progress: UrlFetch.Progress) {
    const recorded = await Lifecycle.move(videos, item, VideoMoves.fetchProgress, {
      set: {
        fetchProgress: progress,
        fetchedBytes: progress.offset,
        fetchLeaseUntil: 0,
        ...(progress.totalBytes !== undefined ? { fetchTotalBytes: progress.totalBytes } : {}),
      },
      detail: { bytes: progress.offset, restarts: progress.restarts, continued: true },
      where: (attr, op) => op.eq(attr.fetchRunner, runner),
    });
    if (!recorded) {
      // Another runner took over (it resumes this upload), or it was cancelled or deleted
      // meanwhile: then nobody else knows this upload, so it is freed here.
      const current = await videos.load(item.videoId);
      if (current?.status === "fetching") return "busy";
      await abortUpload(item.videoId, progress.uploadId);
      return "cancelled";
    }
    // If this send fails the message comes back, and its runner resumes from the record.
    await queue().send({ videoId: item.videoId, owner: item.owner, progress });
    return "continued";
  }

  /** The object is complete (ingest runs from its ObjectCreated): the claim given back. */
  async function finished(item: VideoItem, runner: string, bytes: number) {
    const at = Date.now();
    await conditional(
      Dynamo.entities.video
        .patch({ videoId: item.videoId })
        .set({ fetchedBytes: bytes })
        .remove(["fetchProgress", "fetchRunner", "fetchLeaseUntil"])
        .composite({ owner: item.owner })
        .where((attr, op) => op.eq(attr.fetchRunner, runner))
        .go(),
    );
    // A history line, not a status change: ingest's lease moves the video on.
    await Dynamo.entities.videoEvent
      .put({
        videoId: item.videoId,
        eventId: createId("event", at),
        type: "fetch_completed",
        at,
        detail: { bytes },
      })
      .go();
  }

  async function failed(
    item: VideoItem,
    runner: string,
    failure: { code: string; message: string; status?: number },
  ): Promise<Result> {
    const error = {
      code: failure.code,
      message: failure.message.slice(0, 500),
      ...(failure.status !== undefined ? { status: failure.status } : {}),
    };
    logger().warn({ videoId: item.videoId, ...error }, "fetch failed");
    const done = await Lifecycle.move(videos, item, VideoMoves.fetchFail, {
      set: { error, fetchLeaseUntil: 0 },
      detail: error,
      where: (attr, op) => op.eq(attr.fetchRunner, runner),
    });
    return done ? "failed" : "settled";
  }

  /**
   * Renews the claim while the video is still `fetching` and still this runner's, and not given
   * up: a renewal that lands after the runner handed over (lease 0) must not take it back.
   */
  async function renew(item: VideoItem, runner: string) {
    const renewed = await conditional(
      Dynamo.entities.video
        .patch({ videoId: item.videoId })
        .set({ fetchLeaseUntil: Date.now() + claimMs })
        .composite({ owner: item.owner })
        .where(
          (attr, op) =>
            `${op.eq(attr.status, "fetching")} AND ${op.eq(attr.fetchRunner, runner)} AND ${op.gt(attr.fetchLeaseUntil, 0)}`,
        )
        .go(),
    );
    return Boolean(renewed);
  }

  /** Gives the claim back, so the message's redelivery may take the fetch over at once. */
  async function release(item: VideoItem, runner: string) {
    await conditional(
      Dynamo.entities.video
        .patch({ videoId: item.videoId })
        .set({ fetchLeaseUntil: 0 })
        .composite({ owner: item.owner })
        .where((attr, op) => op.eq(attr.fetchRunner, runner))
        .go(),
    );
  }

  export async function abortUpload(videoId: string, uploadId: string | undefined) {
    if (!uploadId) return;
    await Multipart.abort({ key: ObjectKeys.source(videoId), uploadId }).catch((error) => {
      if (!(error instanceof VisibleError && error.code === "upload_not_found")) throw error;
    });
  }

  /**
   * Local start-up only (fauxqs keeps messages in memory): every video still `fetching` goes
   * back on the queue, its claim cleared, since nothing else can be running it. A Scan.
   */
  export async function requeueFetching() {
    const { data } = await Dynamo.entities.video.scan
      .where((attr, op) => op.eq(attr.status, "fetching"))
      .go({ pages: "all" });
    for (const item of data as VideoItem[]) {
      await conditional(
        Dynamo.entities.video
          .patch({ videoId: item.videoId })
          .set({ fetchLeaseUntil: 0 })
          .composite({ owner: item.owner })
          .where((attr, op) => op.eq(attr.status, "fetching"))
          .go(),
      );
      await queue().send({ videoId: item.videoId, owner: item.owner });
    }
    return data.length;
  }

  /** The multipart upload a fetch recorded, for a delete to free. */
  export const recordedUpload = (item: VideoItem) =>
    (item.fetchProgress as UrlFetch.Progress | undefined)?.uploadId;
}
