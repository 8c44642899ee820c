import { Camera } from "@rushes/core/camera";
import { Hono } from "hono";
import { validate } from "./validate";

export const cameras = new Hono()
  .post("/", validate("json", Camera.create.schema), async (c) => {
    return c.json(await Camera.create(c.req.valid("json")), 201);
  })
  .get("/:id", async (c) => {
    return c.json(await Camera.get(c.req.param("id")), 200);
  });
