import { Hono } from "hono";
import { Resource } from "sst";
import { queuesThrough } from "../queue";
import { idempotent } from "./idempotency";
import { domain } from "./route";

const clip = domain("Clips", () => import("@rushes/core/clip"));

// A clip request is put on the clip queue.
queuesThrough({ clip: () => Resource.ClipQueue.url });

export const clips = new Hono()
  .post(
    "/",
    clip.doc({
      operationId: "createClip",
      summary: "Request a clip of a camera between two instants",
      description:
        "Answers 202 with the clip `pending`. It becomes `available` once the camera's recordings cover the window, or `not_available` after RUSHES_CLIP_RETRY_LIMIT_SECONDS. `accuracy: fast` stream-copies and may start up to one GOP early. A start older than RUSHES_CLIP_OUT_OF_RANGE_SECONDS answers 422 `out_of_range`.",
      response: { status: 202, description: "The pending clip", schema: (m) => m.Clip.Schema.Info },
      errors: [404, 409, 422, 429],
      example: {
        cameraId: "pier-1",
        start: "2026-11-29T10:15:00Z",
        end: "2026-11-29T10:15:30Z",
        accuracy: "exact",
      },
    }),
    idempotent(),
    clip.validate("json", (m) => m.Clip.create.schema),
    async (c) => {
      const { Clip } = await clip.load();
      return c.json(await Clip.create(c.req.valid("json")), 202);
    },
  )
  .get(
    "/",
    clip.doc({
      operationId: "listClips",
      summary: "List clips, newest first",
      response: {
        status: 200,
        description: "A page of clips",
        schema: (m, s) => s.page(m.Clip.Schema.Info),
      },
    }),
    clip.validate("query", (m) => m.Clip.list.schema),
    async (c) => {
      const { Clip } = await clip.load();
      return c.json(await Clip.list(c.req.valid("query")), 200);
    },
  )
  .get(
    "/:id",
    clip.doc({
      operationId: "getClip",
      summary: "Get a clip, with presigned URLs for its file and thumbnails",
      response: { status: 200, description: "The clip", schema: (m) => m.Clip.Schema.Info },
      errors: [404],
    }),
    async (c) => {
      const { Clip } = await clip.load();
      return c.json(await Clip.get(c.req.param("id"), { urls: true }), 200);
    },
  );
