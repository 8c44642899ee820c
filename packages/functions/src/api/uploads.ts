import { Hono } from "hono";
import { idempotent } from "./idempotency";
import { domain } from "./route";

const video = domain("Uploads", () => import("@rushes/core/video"));

export const uploads = new Hono().post(
  "/",
  video.doc({
    operationId: "createUpload",
    summary: "Create a video and a presigned POST to upload its source",
    description:
      'Send the returned `upload.fields`, then the file last, as multipart/form-data to `upload.url`. The POST policy fixes the object key, the exact Content-Type and a size of 1..`bytes`. `step` may be a slug or a non-negative integer and is always stored and returned as a string, so `?step=0` finds both `0` and `"0"`. With an `Idempotency-Key`, a replay answers the first video with its presigned POST signed again for the time it had left.',
    response: {
      status: 201,
      description: "The video, awaiting its upload, and the presigned POST",
      schema: (m, s) => s.created(m.Video.Schema.Info),
    },
    errors: [404, 409, 415, 422],
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
  video.validate("json", (m) => m.Video.create.schema),
  async (c) => {
    const { Video } = await video.load();
    return c.json(await Video.create(c.req.valid("json")), 201);
  },
);
