import { Hono } from "hono";
import { domain } from "./route";

const video = domain("Uploads", () => import("@rushes/core/video"));

export const uploads = new Hono().post(
  "/",
  video.doc({
    operationId: "createUpload",
    summary: "Create a video and a presigned POST to upload its source",
    description:
      "Send the returned `upload.fields`, then the file last, as multipart/form-data to `upload.url`. The POST policy fixes the object key, the exact Content-Type and a size of 1..`bytes`.",
    response: {
      status: 201,
      description: "The video, awaiting its upload, and the presigned POST",
      schema: (m, s) => s.created(m.Video.Schema.Info),
    },
    errors: [404, 415],
    example: {
      filename: "take-1.mp4",
      contentType: "video/mp4",
      bytes: 52_428_800,
      title: "Take 1",
      project: "launch",
      step: "rough-cut",
    },
  }),
  video.validate("json", (m) => m.Video.create.schema),
  async (c) => {
    const { Video } = await video.load();
    return c.json(await Video.create(c.req.valid("json")), 201);
  },
);
