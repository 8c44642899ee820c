import { Video } from "@rushes/core/video";
import { Hono } from "hono";
import { validate } from "./validate";

export const videos = new Hono()
  .get("/", validate("query", Video.list.schema), async (c) => {
    return c.json(await Video.list(c.req.valid("query")), 200);
  })
  .get("/:id", async (c) => {
    return c.json(await Video.get(c.req.param("id"), { urls: true }), 200);
  })
  .get("/:id/events", async (c) => {
    return c.json({ data: await Video.history(c.req.param("id")) }, 200);
  })
  .delete("/:id", async (c) => {
    await Video.remove(c.req.param("id"));
    return c.body(null, 204);
  });
