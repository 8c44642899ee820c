import { Actor } from "../actor";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";
import { fn } from "../fn";
import { createId } from "../id";
import { Lifecycle } from "../lifecycle";
import { Quota } from "../quota";
import { ObjectKeys } from "../storage";
import { FetchRun } from "./fetch-run";
import { Video } from "./index";
import { VideoMoves } from "./moves";
import { FromUrlInput, type VideoItem } from "./schema";

/**
 * Ingest from a URL, the API's side: the video starts `fetching` and its first message goes on
 * the FetchQueue, where the Fetch function runs it (video/fetch-run.ts); `DELETE
 * /v1/uploads/:id` stops it.
 */
export namespace VideoFetch {
  export const Schema = { FromUrlInput };
  const videos = Lifecycle.video;

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
      await FetchRun.queue().send({ videoId, owner });
    } catch (error) {
      await Lifecycle.move(videos, item, VideoMoves.fetchFail, {
        set: { error: { code: "fetch_not_started", message: "The fetch could not be queued" } },
        detail: { code: "fetch_not_started" },
      });
      throw error;
    }
    return { video: Video.serialize(item) };
  });

  /**
   * `DELETE /v1/uploads/:id` on a fetch: the video ends `cancelled` and its recorded upload is
   * aborted; a running fetch sees the status within `FetchRun.watchMs` and aborts its own upload.
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
    await FetchRun.abortUpload(video.videoId, FetchRun.recordedUpload(video));
    return Video.get(video.videoId);
  }
}
