import { randomUUID } from "node:crypto";
import * as z from "zod";
import { Actor } from "../actor";
import { conditional } from "../conditional";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";
import { UrlFetch } from "../fetch";
import { fn } from "../fn";
import { createId } from "../id";
import { Lifecycle } from "../lifecycle";
import { logger } from "../log";
import { Queue } from "../queue";
import { Quota } from "../quota";
import { Multipart, ObjectKeys } from "../storage";
import { Video } from "./index";
import { VideoMoves } from "./moves";
import { FromUrlInput, type VideoItem } from "./schema";

/**
 * Ingest from a URL: the video starts `fetching`, and the Fetch function (functions/src/fetch.ts)
 * streams the source into a multipart upload under `uploads/` with the fetch engine (fetch/).
 * Completing that upload fires the same ObjectCreated as an upload, so ingest takes it from there.
 *
 * One runner at a time: a runner claims the video (`fetchRunner`, `fetchLeaseUntil`) before it
 * fetches, so a duplicate message finds it claimed and stops. Near its function's time limit a
 * runner records its progress (a status move fetching → fetching, with its history line) and
 * sends a continuation message; the next runner resumes from the recorded progress. A runner that
 * dies is resumed by its message's redelivery, once its claim has run out.
 */
export namespace VideoFetch {
  export const Schema = { FromUrlInput };

  /** A FetchQueue message: which video; the progress it carries is the record's, for the logs. */
  export const Message = z.object({
    videoId: z.string(),
    owner: z.string(),
    progress: z.unknown().optional(),
  });
  export type Message = z.infer<typeof Message>;

  const queue = () => Queue.port<Message>("fetch");
  const videos = Lifecycle.video;

  /**
   * How often a running fetch renews its claim, which also checks that its video is still
   * `fetching` (a cancel, a delete); and how long a claim lasts unrenewed, so a runner that died
   * leaves the fetch to its message's redelivery.
   */
  export const watchMs = 2000;
  export const claimMs = 30_000;

  const types: Record<string, string> = {
    mp4: "video/mp4",
    m4v: "video/mp4",
    mov: "video/quicktime",
    mkv: "video/x-matroska",
    webm: "video/webm",
    avi: "video/x-msvideo",
    mxf: "application/mxf",
    ts: "video/mp2t",
  };

  function named(url: URL) {
    const last = decodeURIComponent(url.pathname.split("/").pop() ?? "").trim();
    return last && last.length <= 255 ? last : "source";
  }

  /** `POST /v1/uploads` with a `url`: the video, `fetching`, and its first FetchQueue message. */
  export const create = fn(FromUrlInput, async (input) => {
    const owner = Actor.owner();
    const { RUSHES_MAX_UPLOAD_BYTES: max } = Config.get();
    const url = new URL(input.url);
    const filename = input.filename ?? named(url);
    const extension = filename.split(".").pop()?.toLowerCase() ?? "";
    const contentType = input.contentType ?? types[extension] ?? "video/mp4";
    if (!contentType.startsWith("video/")) {
      throw new VisibleError(
        "unsupported",
        "unsupported_type",
        "Only video/* content types are accepted",
      );
    }
    if (input.bytes !== undefined && input.bytes > max) {
      throw new VisibleError("too_large", "too_large", `Uploads are limited to ${max} bytes`);
    }
    if (input.camera) {
      const { Camera } = await import("../camera");
      await Camera.get(input.camera.cameraId);
    }
    // As for an upload; the size is known only as the bytes arrive, so a stated one counts here.
    await Quota.admitUpload(owner, input.bytes ?? 1);
    const now = Date.now();
    const videoId = createId("video", now);
    // The most that will be fetched: the limit ingest re-checks, as for a declared upload size.
    const bytes = Math.min(input.bytes ?? max, max);
    await Dynamo.entities.videoEvent
      .put({
        videoId,
        eventId: createId("event", now),
        type: "created",
        at: now,
        detail: { url: `${url.origin}${url.pathname}`, maxBytes: bytes, contentType },
      })
      .go();
    const scope = input.project ? `${owner}/${input.project}` : undefined;
    const { data } = await Dynamo.entities.video
      .create({
        videoId,
        owner,
        filename,
        contentType,
        bytes,
        title: input.title,
        project: input.project,
        step: input.step,
        uploader: input.uploader,
        sourceKey: ObjectKeys.source(videoId),
        sourceUrl: input.url,
        status: "fetching",
        // No presign to expire: a fetch ends through its runner, never the upload sweep.
        uploadExpiresAt: now,
        createdAt: now,
        ...(scope ? { projectScope: scope, projectSort: videoId } : {}),
        ...(scope && input.step ? { stepScope: `${scope}/${input.step}`, stepSort: videoId } : {}),
        ...(input.camera
          ? { cameraId: input.camera.cameraId, recordedAt: input.camera.recordedAt }
          : {}),
      })
      .go();
    const item = data as VideoItem;
    try {
      await queue().send({ videoId, owner });
    } catch (error) {
      await Lifecycle.move(videos, item, VideoMoves.fetchFail, {
        set: { error: { code: "fetch_not_started", message: "The fetch could not be queued" } },
        detail: { code: "fetch_not_started" },
      });
      throw error;
    }
    return { video: Video.serialize(item) };
  });

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

  /** Renews the claim while the video is still `fetching` and still this runner's. */
  async function renew(item: VideoItem, runner: string) {
    const renewed = await conditional(
      Dynamo.entities.video
        .patch({ videoId: item.videoId })
        .set({ fetchLeaseUntil: Date.now() + claimMs })
        .composite({ owner: item.owner })
        .where(
          (attr, op) => `${op.eq(attr.status, "fetching")} AND ${op.eq(attr.fetchRunner, runner)}`,
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

  async function abortUpload(videoId: string, uploadId: string | undefined) {
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

  /**
   * `DELETE /v1/uploads/:id` on a fetch: the video ends `cancelled` and its recorded upload is
   * aborted; a running fetch sees the status within `watchMs` and aborts its own upload.
   */
  export async function cancel(video: VideoItem) {
    if (video.status !== "cancelled") {
      if (video.status !== "fetching") {
        throw new VisibleError("conflict", "fetch_finished", "This fetch has already finished");
      }
      const cancelled = await Lifecycle.move(videos, video, VideoMoves.fetchCancel, {
        detail: { reason: "fetch stopped by its owner" },
      });
      if (!cancelled) {
        const now = await Video.owned(video.videoId);
        if (now.status !== "cancelled") {
          throw new VisibleError("conflict", "fetch_finished", "This fetch has already finished");
        }
      }
    }
    await abortUpload(video.videoId, recordedUpload(video));
    return Video.get(video.videoId);
  }
}
