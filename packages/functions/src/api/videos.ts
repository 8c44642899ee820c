import { Hono } from "hono";
import { validate } from "./validate";

const core = () => import("@rushes/core/video");

export const videos = new Hono()
  .get(
    "/",
    validate("query", async () => (await core()).Video.list.schema),
    async (c) => {
      const { Video } = await core();
      return c.json(await Video.list(c.req.valid("query")), 200);
    },
  )
  .get("/:id", async (c) => {
    const { Video } = await core();
    const origin = new URL(c.req.url).origin;
    return c.json(await Video.get(c.req.param("id"), { urls: true, origin }), 200);
  })
  .get("/:id/events", async (c) => {
    const { Video } = await core();
    return c.json({ data: await Video.history(c.req.param("id")) }, 200);
  })
  .delete("/:id", async (c) => {
    const { Video } = await core();
    await Video.remove(c.req.param("id"));
    return c.body(null, 204);
  });
