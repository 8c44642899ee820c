import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { validate } from "./validate";

/** Loaded on first use, like every domain module: it brings ElectroDB and the S3 presigner. */
const core = () => import("@rushes/core/video");
const multipart = () => import("@rushes/core/video/upload");

/** 10,000 parts with their ETags are about 600 KB of JSON: above the API's usual 64 KiB. */
export const completeBodyBytes = 1024 * 1024;

export const uploads = new Hono()
  .post(
    "/",
    validate("json", async () => (await core()).Video.create.schema),
    async (c) => {
      const { Video } = await core();
      const result = await Video.create(c.req.valid("json"));
      return c.json(result, 201);
    },
  )
  .post(
    "/:id/parts",
    validate("json", async () => (await multipart()).VideoUpload.Schema.SignPartsInput),
    async (c) => {
      const { VideoUpload } = await multipart();
      return c.json(await VideoUpload.sign(c.req.param("id"), c.req.valid("json")), 200);
    },
  )
  .get("/:id/parts", async (c) => {
    const { VideoUpload } = await multipart();
    return c.json(await VideoUpload.parts(c.req.param("id")), 200);
  })
  .post(
    "/:id/complete",
    bodyLimit({
      maxSize: completeBodyBytes,
      onError: (c) =>
        c.json({ error: { code: "too_large", message: "Request body over 1 MiB" } }, 413),
    }),
    validate("json", async () => (await multipart()).VideoUpload.Schema.CompleteInput),
    async (c) => {
      const { VideoUpload } = await multipart();
      return c.json(await VideoUpload.complete(c.req.param("id"), c.req.valid("json")), 200);
    },
  )
  .delete("/:id", async (c) => {
    const { VideoUpload } = await multipart();
    return c.json(await VideoUpload.abort(c.req.param("id")), 200);
  });
