import { ApiKey } from "@rushes/core/key";
import { Hono } from "hono";
import { validate } from "./validate";

export const keys = new Hono().post("/", validate("json", ApiKey.create.schema), async (c) => {
  return c.json(await ApiKey.create(c.req.valid("json")), 201);
});
