import { Hono } from "hono";
import { idempotent } from "./idempotency";
import { validate } from "./validate";

const core = () => import("@rushes/core/camera");
const recordings = () => import("@rushes/core/camera/recordings");

export const cameras = new Hono()
  .post(
    "/",
    idempotent(),
    validate("json", async () => (await core()).Camera.create.schema),
    async (c) => {
      const { Camera } = await core();
      return c.json(await Camera.create(c.req.valid("json")), 201);
    },
  )
  .get(
    "/",
    validate("query", async () => (await core()).Camera.list.schema),
    async (c) => {
      const { Camera } = await core();
      return c.json(await Camera.list(c.req.valid("query")), 200);
    },
  )
  .get("/:id", async (c) => {
    const { Camera } = await core();
    return c.json(await Camera.get(c.req.param("id")), 200);
  })
  .get(
    "/:id/recordings",
    validate("query", async () =>
      (await recordings()).Recordings.ListInput.omit({ cameraId: true }),
    ),
    async (c) => {
      const { Recordings } = await recordings();
      const query = c.req.valid("query");
      return c.json(await Recordings.list({ ...query, cameraId: c.req.param("id") }), 200);
    },
  );
