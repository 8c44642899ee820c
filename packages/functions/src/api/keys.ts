import { Hono } from "hono";
import { validate } from "./validate";

const core = () => import("@rushes/core/apikey");

export const keys = new Hono()
  .post(
    "/",
    validate("json", async () => (await core()).ApiKey.create.schema),
    async (c) => {
      const { ApiKey } = await core();
      return c.json(await ApiKey.create(c.req.valid("json")), 201);
    },
  )
  .get(
    "/",
    validate("query", async () => (await core()).ApiKey.list.schema),
    async (c) => {
      const { ApiKey } = await core();
      return c.json(await ApiKey.list(c.req.valid("query")), 200);
    },
  )
  .delete("/:id", async (c) => {
    const { ApiKey } = await core();
    await ApiKey.revoke(c.req.param("id"));
    return c.body(null, 204);
  });
