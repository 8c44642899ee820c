import { Actor } from "../actor";
import { Captions } from "../captions";
import { Config } from "../config";
import { Cursor } from "../cursor";
import { Dynamo } from "../dynamo";
import { notFound, VisibleError } from "../error";
import { exactly } from "../exact";
import { fn } from "../fn";
import { createId } from "../id";
import { Move } from "../move";
import { Quota } from "../quota";
import { Charges } from "../quota/charges";
import { Slots } from "../quota/slots";
import { Multipart, ObjectKeys, Storage } from "../storage";
import { Time } from "../time";
import { isPlayable } from "./playable";
import {
  CreateInput,
  CreateRequest,
  EventInfo,
  Info,
  ListInput,
  uploadGraceMs,
  VideoId,
  type VideoItem,
} from "./schema";
import { View } from "./view";

export type { VideoItem } from "./schema";

export namespace Video {
  export const Schema = { Info, CreateInput, CreateRequest, ListInput, VideoId, EventInfo };
  export type Info = import("./schema").Info;

  export const create = fn(CreateInput, async (input) => {
    const owner = Actor.owner();
    const { RUSHES_MAX_UPLOAD_BYTES: max, RUSHES_UPLOAD_EXPIRES_SECONDS: expires } = Config.get();
    if (!input.contentType.startsWith("video/")) {
      throw new VisibleError(
        "unsupported",
        "unsupported_type",
        "Only video/* content types are accepted",
      );
    }
    if (input.bytes > max) {
      throw new VisibleError("too_large", "too_large", `Uploads are limited to ${max} bytes`);
    }
    if (input.camera) {
      const { Camera } = await import("../camera");
      await Camera.get(input.camera.cameraId);
    }
    // Storage and the day's source minutes (which only time frees) refuse at once: 429.
    await Quota.admitUpload(owner, input.bytes);
    const now = Date.now();
    const videoId = createId("video", now);
    const sourceKey = ObjectKeys.source(videoId);
    // Parts are created before the record, so a record with an uploadId always has its upload.
    const multipart = Multipart.wanted(input.bytes, input.multipart)
      ? {
          uploadId: await Multipart.create({ key: sourceKey, contentType: input.contentType }),
          ...Multipart.plan(input.bytes),
        }
      : undefined;
    // The history line first: a crash before the record leaves a harmless orphan line, never a
    // record without its first line. Later lines come with each status change (lifecycle.ts).
    await Dynamo.entities.videoEvent
      .put({
        videoId,
        eventId: createId("event", now),
        type: "created",
        at: now,
        detail: {
          bytes: input.bytes,
          contentType: input.contentType,
          ...(multipart ? { multipart: { partSize: multipart.partSize } } : {}),
        },
      })
      .go();
    // A POST dies with its policy; parts stay usable until the lifecycle rule aborts them.
    const uploadExpiresAt = multipart
      ? now + Multipart.abortAfterDays * 24 * 3600 * 1000
      : now + expires * 1000;
    const scope = input.project ? `${owner}/${input.project}` : undefined;
    const { data } = await Dynamo.entities.video
      .create({
        videoId,
        owner,
        filename: input.filename,
        contentType: input.contentType,
        bytes: input.bytes,
        title: input.title,
        project: input.project,
        step: input.step,
        uploader: input.uploader,
        ...(input.normalizeAudio === undefined ? {} : { normalizeAudio: input.normalizeAudio }),
        ...(input.captions ? { autoCaptions: { language: input.captions.language } } : {}),
        sourceKey,
        status: "awaiting_upload",
        uploadExpiresAt,
        ...(multipart ?? {}),
        createdAt: now,
        // The sweep settles it as `expired` if no upload arrives (core/src/sweep.ts).
        dueScope: Move.scope("video", "awaiting_upload"),
        dueAt: uploadExpiresAt + uploadGraceMs(),
        ...(scope ? { projectScope: scope, projectSort: videoId } : {}),
        ...(scope && input.step ? { stepScope: `${scope}/${input.step}`, stepSort: videoId } : {}),
        ...(input.camera
          ? {
              cameraId: input.camera.cameraId,
              recordedAt: input.camera.recordedAt,
            }
          : {}),
      })
      .go();
    const video = serialize(data as VideoItem);
    if (multipart) {
      const upload = {
        method: "MULTIPART" as const,
        uploadId: multipart.uploadId,
        partSize: multipart.partSize,
        partCount: multipart.partCount,
        expiresAt: new Date(uploadExpiresAt).toISOString(),
        maxBytes: input.bytes,
      };
      return { video, upload };
    }
    const upload = await Storage.presignPost({
      key: sourceKey,
      contentType: input.contentType,
      bytes: input.bytes,
    });
    return { video, upload };
  });

  /**
   * A replayed create (Idempotency-Key) answers the first response with its presigned POST
   * signed again under the credentials of now, for the time it had left: a Lambda's temporary
   * credentials can expire before the POST's own expiry, which would kill the replayed copy.
   * A POST whose time is up is returned as it was; that upload has expired. A deleted video is
   * a 404, never a fresh POST for an upload that can no longer become a video.
   */
  export async function resignUpload<
    T extends { video: { id: string; contentType: string }; upload?: unknown },
  >(first: T, now = Date.now()): Promise<T> {
    // A video deleted since answers as every other route does for it: 404.
    await owned(first.video.id);
    const upload = first.upload as Partial<Storage.PresignedPost> | undefined;
    if (upload?.method !== "POST" || !upload.expiresAt || upload.maxBytes === undefined) {
      return first;
    }
    const left = Math.floor((Date.parse(upload.expiresAt) - now) / 1000);
    if (left <= 0) return first;
    const signed = await Storage.presignPost({
      key: ObjectKeys.source(first.video.id),
      contentType: first.video.contentType,
      bytes: upload.maxBytes,
      expiresInSeconds: left,
    });
    return { ...first, upload: { ...signed, expiresAt: upload.expiresAt } };
  }

  /** The caller's video, or 404 — also for another owner's id, so ids leak nothing. */
  /** With `urls`, presigned downloads; with `origin` too, `playback` links under that origin. */
  export async function get(
    videoId: string,
    options: { urls?: boolean; origin?: string } = {},
  ): Promise<Info> {
    const item = await owned(videoId);
    if (!options.urls) return serialize(item);
    const info = await View.withUrls(serialize(item));
    if (!options.origin || !isPlayable(item)) return info;
    const complete = item.status === "ready";
    const { Playback } = await import("../playback");
    return {
      ...info,
      playback: {
        ...Playback.links(info.id, options.origin, {
          storyboard: complete && Boolean(info.storyboard),
        }),
        complete,
        ...(info.playableAt ? { playableAt: info.playableAt } : {}),
      },
    };
  }

  export const list = fn(ListInput, async (input) => {
    const owner = Actor.owner();
    const scope = JSON.stringify([owner, input.status, input.project, input.step]);
    const cursor = Cursor.decode(scope, input.cursor);
    const options = { cursor, count: input.limit, limit: input.limit, order: "desc" as const };
    const video = Dynamo.entities.video;
    // Project listings filter on status; the status index alone serves status without project.
    const status = (attr: { status: unknown }, op: { eq: (a: never, v: never) => string }) =>
      input.status ? op.eq(attr.status as never, input.status as never) : "";
    const page = input.project
      ? input.step
        ? await video.query
            .byStep({ stepScope: `${owner}/${input.project}/${input.step}` })
            .where(status)
            .go(options)
        : await video.query
            .byProject({ projectScope: `${owner}/${input.project}` })
            .where(status)
            .go(options)
      : input.status
        ? await video.query.byStatus({ owner, status: input.status }).go(options)
        : await video.query.byOwner({ owner }).go(options);
    const mine = exactly(
      page.data as VideoItem[],
      { owner, project: input.project, step: input.step },
      "videos",
    );
    return {
      data: await Promise.all(mine.map((item) => View.withPoster(serialize(item)))),
      cursor: Cursor.encode(scope, page.cursor),
    };
  });

  export async function history(videoId: string) {
    await owned(videoId);
    const { data } = await Dynamo.entities.videoEvent.query.byId({ videoId }).go({ pages: "all" });
    return data.map((e) => ({
      id: e.eventId,
      type: e.type,
      at: Time.isoOrEpoch(e.at),
      ...(e.detail === undefined ? {} : { detail: e.detail }),
    }));
  }

  /**
   * Deletes the record with its history, and every object that exists now. A worker that started
   * before may still write (a chunk worker may not even delete under media/), so a tombstone
   * hands the rest to the sweep, the one owner of what is left (core/src/sweep.ts): every object
   * is gone one processing lease after the delete, or after a MediaConvert job's deadline.
   */
  export async function remove(videoId: string) {
    const item = await owned(videoId);
    const now = Date.now();
    const job = item.status === "processing" && item.transcodeJobId !== undefined;
    await Dynamo.entities.videoTombstone
      .put({
        videoId: item.videoId,
        owner: item.owner,
        deletedAt: now,
        dueScope: Move.scope("video", "deleted"),
        dueAt: job ? Math.max(now, item.dueAt ?? now) : now,
      })
      .go();
    // The record first: a worker that looks now finds the video gone and stops.
    await Dynamo.entities.video.delete({ videoId: item.videoId }).go();
    // A fetch's recorded upload too; a running fetch sees the record gone and aborts its own.
    const uploadId =
      item.uploadId && item.uploadCompletedAt === undefined
        ? item.uploadId
        : (item.fetchProgress as { uploadId?: string } | undefined)?.uploadId;
    if (uploadId) {
      // Unfinished parts are invisible to a listing; only an abort frees them.
      await Multipart.abort({ key: item.sourceKey, uploadId }).catch((error) => {
        if (!(error instanceof VisibleError && error.code === "upload_not_found")) throw error;
      });
    }
    await Storage.removePrefixes(ObjectKeys.videoPrefixes(videoId));
    const { data: events } = await Dynamo.entities.videoEvent.query
      .byId({ videoId })
      .go({ pages: "all", attributes: ["videoId", "eventId"] });
    if (events.length) await Dynamo.entities.videoEvent.delete(events).go();
    // Its subtitle tracks' objects went with media/; their rows go with the history.
    await Captions.removeRows(videoId);
    await Dynamo.entities.video.delete({ videoId: item.videoId }).go();
    await Charges.unstored(item);
    // A video deleted while processing frees its slot for the owner's next queued one.
    if (item.status === "processing" && item.slot !== undefined) {
      await Slots.release({ ...item, slot: item.slot });
    }
    const { Playback } = await import("../playback");
    await Playback.revoke(item.videoId).catch(async (error: unknown) => {
      // Deleted all the same: what the edges hold then lives only as long as its signatures.
      const { logger } = await import("../log");
      logger().warn({ err: error, videoId: item.videoId }, "CDN invalidation failed");
    });
  }

  /** The caller's stored video, or 404 — also for another owner's id, so ids leak nothing. */
  export async function owned(videoId: string): Promise<VideoItem> {
    const id = VideoId.safeParse(videoId);
    if (!id.success) throw notFound("Video");
    const { data: item } = await Dynamo.entities.video.get({ videoId: id.data }).go();
    if (!item || item.owner !== Actor.owner()) throw notFound("Video");
    return item;
  }

  export const serialize = View.serialize;
}
