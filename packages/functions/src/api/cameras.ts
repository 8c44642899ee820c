import { Hono } from "hono";
import { validate } from "./validate";

const core = () => import("@rushes/core/camera");

export const cameras = new Hono()
  .post(
    "/",
    validate("json", async () => (await core()).Camera.create.schema),
    async (c) => {
      const { Camera } = await core();
      return c.json(await Camera.create(c.req.valid("json")), 201);
    },
  )
  .get("/:id", async (c) => {
    const { Camera } = await core();
    return c.json(await Camera.get(c.req.param("id")), 200);
  });
