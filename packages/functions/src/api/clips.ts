import { Clip } from "@rushes/core/clip";
import { Hono } from "hono";
import { validate } from "./validate";

export const clips = new Hono()
  .post("/", validate("json", Clip.create.schema), async (c) => {
    return c.json(await Clip.create(c.req.valid("json")), 202);
  })
  .get("/", validate("query", Clip.list.schema), async (c) => {
    return c.json(await Clip.list(c.req.valid("query")), 200);
  })
  .get("/:id", async (c) => {
    return c.json(await Clip.get(c.req.param("id"), { urls: true }), 200);
  });
