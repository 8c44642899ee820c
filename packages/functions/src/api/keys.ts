import { Hono } from "hono";
import { validate } from "./validate";

const core = () => import("@rushes/core/apikey");

export const keys = new Hono().post(
  "/",
  validate("json", async () => (await core()).ApiKey.create.schema),
  async (c) => {
    const { ApiKey } = await core();
    return c.json(await ApiKey.create(c.req.valid("json")), 201);
  },
);
