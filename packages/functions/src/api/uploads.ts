import { Hono } from "hono";
import { idempotent } from "./idempotency";
import { validate } from "./validate";

/** Loaded on first use, like every domain module: it brings ElectroDB and the S3 presigner. */
const core = () => import("@rushes/core/video");

/** A replayed create gets its presigned POST signed afresh. */
const resign = async (first: unknown) =>
  (await core()).Video.resignUpload(
    first as Parameters<typeof import("@rushes/core/video").Video.resignUpload>[0],
  );

export const uploads = new Hono().post(
  "/",
  idempotent(resign),
  validate("json", async () => (await core()).Video.create.schema),
  async (c) => {
    const { Video } = await core();
    const result = await Video.create(c.req.valid("json"));
    return c.json(result, 201);
  },
);
