import { Video } from "@rushes/core/video";
import { Hono } from "hono";
import { validate } from "./validate";

export const uploads = new Hono().post("/", validate("json", Video.create.schema), async (c) => {
  const result = await Video.create(c.req.valid("json"));
  return c.json(result, 201);
});
