import { Hono } from "hono";
import { idempotent } from "./idempotency";
import { validate } from "./validate";

const core = () => import("@rushes/core/clip");

export const clips = new Hono()
  .post(
    "/",
    idempotent(),
    validate("json", async () => (await core()).Clip.create.schema),
    async (c) => {
      const { Clip } = await core();
      return c.json(await Clip.create(c.req.valid("json")), 202);
    },
  )
  .get(
    "/",
    validate("query", async () => (await core()).Clip.list.schema),
    async (c) => {
      const { Clip } = await core();
      return c.json(await Clip.list(c.req.valid("query")), 200);
    },
  )
  .get("/:id", async (c) => {
    const { Clip } = await core();
    return c.json(await Clip.get(c.req.param("id"), { urls: true }), 200);
  });
