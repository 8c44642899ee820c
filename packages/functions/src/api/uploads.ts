import { Hono } from "hono";
import { validate } from "./validate";

/** Loaded on first use, like every domain module: it brings ElectroDB and the S3 presigner. */
const core = () => import("@rushes/core/video");

export const uploads = new Hono().post(
  "/",
  validate("json", async () => (await core()).Video.create.schema),
  async (c) => {
    const { Video } = await core();
    const result = await Video.create(c.req.valid("json"));
    return c.json(result, 201);
  },
);
