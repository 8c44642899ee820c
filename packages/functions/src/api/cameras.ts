import { Hono } from "hono";
import { domain } from "./route";

const camera = domain("Cameras", () => import("@rushes/core/camera"));

export const cameras = new Hono()
  .post(
    "/",
    camera.doc({
      operationId: "createCamera",
      summary: "Create a camera",
      description: "`cameraId` may be the client's own (e.g. a hardware serial); unique per owner.",
      response: { status: 201, description: "The camera", schema: (m) => m.Camera.Info },
      errors: [409],
      example: { alias: "Pier, north", cameraId: "pier-1" },
    }),
    camera.validate("json", (m) => m.Camera.create.schema),
    async (c) => {
      const { Camera } = await camera.load();
      return c.json(await Camera.create(c.req.valid("json")), 201);
    },
  )
  .get(
    "/:id",
    camera.doc({
      operationId: "getCamera",
      summary: "Get a camera",
      response: { status: 200, description: "The camera", schema: (m) => m.Camera.Info },
      errors: [404],
    }),
    async (c) => {
      const { Camera } = await camera.load();
      return c.json(await Camera.get(c.req.param("id")), 200);
    },
  );
