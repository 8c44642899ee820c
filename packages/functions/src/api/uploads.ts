import type { MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { Resource } from "sst";
import { queuesThrough } from "../queue";
import { bodyCap } from "./error";
import { idempotent } from "./idempotency";
import { type Described, described, domain } from "./route";

// A URL ingest's first message goes on the fetch queue.
queuesThrough({ fetch: () => Resource.FetchQueue.url });

const video = domain("Uploads", () => import("@rushes/core/video"));
const parts = domain("Uploads", () => import("@rushes/core/video/upload"));
const fetching = domain("Uploads", () => import("@rushes/core/video/fetch"));

/**
 * A body with a `url` is a URL ingest (VideoFetch.create validates it): rushes fetches the source
 * itself, and the reply is 202 with the video `fetching`. Any other body goes on to the upload's
 * validator. Hono keeps the parsed body, so the validator reads it again for free.
 */
const fromUrl: MiddlewareHandler = async (c, next) => {
  if (!/^application\/([\w.-]+\+)?json/i.test(c.req.header("content-type") ?? "")) return next();
  const body: unknown = await c.req.json().catch(() => undefined);
  if (body === null || typeof body !== "object" || !("url" in body)) return next();
  const { VideoFetch } = await fetching.load();
  return c.json(await VideoFetch.create(body as Parameters<typeof VideoFetch.create>[0]), 202);
};

/** Documents the body as either kind (the validators above check each). */
const eitherBody = Object.assign((async (_c, next) => next()) as MiddlewareHandler, {
  [described]: {
    kind: "input",
    target: "json",
    schema: async () => (await video.load()).Video.Schema.CreateRequest,
  } satisfies Described,
});

/** 10,000 parts with their ETags are about 600 KB of JSON: above the API's usual 64 KiB. */
export const completeBodyBytes = 1024 * 1024;

export const uploads = new Hono()
  .post(
    "/",
    video.doc({
      operationId: "createUpload",
      summary: "Create a video and a presigned POST (or a multipart upload) for its source",
      description:
        "Up to `RUSHES_MULTIPART_THRESHOLD_BYTES` (100 MiB): send the returned `upload.fields`, then the file last, as multipart/form-data to `upload.url`; the POST policy fixes the key, the exact Content-Type and a size of 1..`bytes`. Above it, or with `multipart: true`, `upload.method` is `MULTIPART`: cut the file into `partCount` parts of `partSize` bytes (the last one shorter), sign them with `POST /v1/uploads/{id}/parts`, PUT each, then `POST /v1/uploads/{id}/complete` with every part's ETag. `step` may be a slug or a non-negative integer and is always stored and returned as a string, so `?step=0` finds both `0` and `\"0\"`. With an `Idempotency-Key`, a replay answers the first video with its presigned POST signed again for the time it had left (a multipart upload's id is replayed as is). With a `url` instead of an upload (http or https; `filename`, `contentType` and `bytes` then optional), rushes fetches the file itself and answers **202** `{video}`, the video `fetching` (its `fetch` field shows the bytes so far): SSRF-guarded on every redirect, resumed with `Range` after a dropped connection, streamed into a multipart upload, then ingested as an upload. A failed fetch ends `failed` with `fetch_refused`, `fetch_http_error` (and `error.status`), `fetch_too_large`, `fetch_timeout` or `fetch_changed`; `DELETE /v1/uploads/{id}` stops it (`cancelled`).",
      response: {
        status: 201,
        description: "The video, awaiting its upload, and how to upload it",
        schema: (m, s) => s.created(m.Video.Schema.Info),
      },
      errors: [404, 409, 415, 422, 429],
      example: {
        filename: "take-1.mp4",
        contentType: "video/mp4",
        bytes: 52_428_800,
        title: "Take 1",
        project: "launch",
        step: "rough-cut",
      },
    }),
    // A replayed create gets its presigned POST signed afresh (Video.resignUpload says why).
    idempotent(async (first) =>
      (await video.load()).Video.resignUpload(
        first as { video: { id: string; contentType: string } },
      ),
    ),
    fromUrl,
    video.validate("json", (m) => m.Video.create.schema),
    eitherBody,
    async (c) => {
      const { Video } = await video.load();
      return c.json(await Video.create(c.req.valid("json")), 201);
    },
  )
  .post(
    "/:id/parts",
    parts.doc({
      operationId: "signUploadParts",
      summary: "Presigned UploadPart PUT URLs for up to 100 parts of a multipart upload",
      description:
        "PUT each part's bytes to its `url` and keep the `ETag` response header. Part numbers run from 1 to the upload's `partCount`; a URL may be signed again once it expires.",
      response: {
        status: 200,
        description: "The signed parts",
        schema: (m, s) => s.parts(m.VideoUpload.Schema.SignedPart),
      },
      errors: [404, 409],
      example: { partNumbers: [1, 2, 3] },
    }),
    parts.validate("json", (m) => m.VideoUpload.Schema.SignPartsInput),
    async (c) => {
      const { VideoUpload } = await parts.load();
      return c.json(await VideoUpload.sign(c.req.param("id"), c.req.valid("json")), 200);
    },
  )
  .get(
    "/:id/parts",
    parts.doc({
      operationId: "listUploadParts",
      summary: "The parts S3 already holds, to resume a multipart upload",
      response: {
        status: 200,
        description: "The uploaded parts, by part number",
        schema: (m, s) => s.parts(m.VideoUpload.Schema.UploadedPart),
      },
      errors: [404, 409],
    }),
    async (c) => {
      const { VideoUpload } = await parts.load();
      return c.json(await VideoUpload.parts(c.req.param("id")), 200);
    },
  )
  .post(
    "/:id/complete",
    bodyCap(completeBodyBytes, "Request body over 1 MiB"),
    parts.doc({
      operationId: "completeUpload",
      summary: "Complete a multipart upload; ingest starts from the object it creates",
      description:
        "List every part once, in ascending order, with the ETag its PUT returned (quoted or not). Exactly one completion goes ahead: another, concurrent or later, answers 409 `upload_completed`, and one racing an abort answers 409 `upload_cancelled` if the abort came first (the abort then answers 409 `upload_completed` if it came second).",
      response: {
        status: 200,
        description: "The video",
        schema: (m) => m.Video.Schema.Info,
      },
      errors: [404, 409],
      example: { parts: [{ partNumber: 1, etag: '"7e8f6a2b9c0d1e2f3a4b5c6d7e8f9a0b"' }] },
    }),
    parts.validate("json", (m) => m.VideoUpload.Schema.CompleteInput),
    async (c) => {
      const { VideoUpload } = await parts.load();
      return c.json(await VideoUpload.complete(c.req.param("id"), c.req.valid("json")), 200);
    },
  )
  .delete(
    "/:id",
    parts.doc({
      operationId: "abortUpload",
      summary:
        "Abort a multipart upload, or stop a URL fetch: its parts are freed and the video ends cancelled",
      response: {
        status: 200,
        description: "The cancelled video",
        schema: (m) => m.Video.Schema.Info,
      },
      errors: [404, 409],
    }),
    async (c) => {
      const { VideoUpload } = await parts.load();
      return c.json(await VideoUpload.abort(c.req.param("id")), 200);
    },
  );
