import { Hono } from "hono";
import { validate } from "./validate";

const core = () => import("@rushes/core/webhook");

export const webhooks = new Hono()
  .post(
    "/",
    validate("json", async () => (await core()).Webhook.create.schema),
    async (c) => {
      const { Webhook } = await core();
      return c.json(await Webhook.create(c.req.valid("json")), 201);
    },
  )
  .get("/", async (c) => {
    const { Webhook } = await core();
    return c.json(await Webhook.list(), 200);
  })
  .get("/:id", async (c) => {
    const { Webhook } = await core();
    return c.json(await Webhook.get(c.req.param("id")), 200);
  })
  .delete("/:id", async (c) => {
    const { Webhook } = await core();
    await Webhook.remove(c.req.param("id"));
    return c.body(null, 204);
  })
  .post("/:id/rotate", async (c) => {
    const { Webhook } = await core();
    return c.json(await Webhook.rotate(c.req.param("id")), 200);
  })
  .get(
    "/:id/deliveries",
    validate("query", async () => (await core()).Webhook.Schema.DeliveriesInput),
    async (c) => {
      const { Webhook } = await core();
      return c.json(
        await Webhook.deliveries({ ...c.req.valid("query"), id: c.req.param("id") }),
        200,
      );
    },
  )
  .post("/:id/deliveries/:deliveryId/retry", async (c) => {
    const { Webhook } = await core();
    return c.json(await Webhook.retry(c.req.param("id"), c.req.param("deliveryId")), 202);
  });
