import { Hono } from "hono";
import { idempotent } from "./idempotency";
import { domain } from "./route";

const camera = domain("Cameras", () => import("@rushes/core/camera"));
const recordings = domain("Cameras", () => import("@rushes/core/camera/recordings"));

export const cameras = new Hono()
  .post(
    "/",
    camera.doc({
      operationId: "createCamera",
      summary: "Create a camera",
      description: "`cameraId` may be the client's own (e.g. a hardware serial); unique per owner.",
      response: { status: 201, description: "The camera", schema: (m) => m.Camera.Info },
      errors: [409, 422],
      example: { alias: "Pier, north", cameraId: "pier-1" },
    }),
    idempotent(),
    camera.validate("json", (m) => m.Camera.create.schema),
    async (c) => {
      const { Camera } = await camera.load();
      return c.json(await Camera.create(c.req.valid("json")), 201);
    },
  )
  .get(
    "/",
    camera.doc({
      operationId: "listCameras",
      summary: "List cameras, by id",
      response: {
        status: 200,
        description: "A page of cameras",
        schema: (m, s) => s.page(m.Camera.Info),
      },
    }),
    camera.validate("query", (m) => m.Camera.list.schema),
    async (c) => {
      const { Camera } = await camera.load();
      return c.json(await Camera.list(c.req.valid("query")), 200);
    },
  )
  .get(
    "/:id",
    camera.doc({
      operationId: "getCamera",
      summary: "Get a camera",
      response: { status: 200, description: "The camera", schema: (m) => m.Camera.Info },
      errors: [404],
    }),
    async (c) => {
      const { Camera } = await camera.load();
      return c.json(await Camera.get(c.req.param("id")), 200);
    },
  )
  .get(
    "/:id/recordings",
    recordings.doc({
      operationId: "listRecordings",
      summary: "A camera's ready recordings in a window, oldest first, with its gaps",
      description:
        "`start` and `end` are ISO 8601 or epoch ms, as clips take them. The window defaults to the last 24 h (or the 24 h from `start`) and is at most 7 days (422 `window_too_long`). Every recording that overlaps it is listed, with presigned URLs. `gaps` lists the stretches of the window that no recording covers, longer than 1 s: the rule the clip worker waits on, so a window without gaps can be cut.",
      response: {
        status: 200,
        description: "A page of recordings, and the window's gaps",
        schema: (m) => m.Recordings.Page,
      },
      errors: [404, 422],
    }),
    recordings.validate("query", (m) => m.Recordings.ListInput.omit({ cameraId: true })),
    async (c) => {
      const { Recordings } = await recordings.load();
      return c.json(
        await Recordings.list({ ...c.req.valid("query"), cameraId: c.req.param("id") }),
        200,
      );
    },
  );
