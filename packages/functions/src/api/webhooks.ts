import { Hono } from "hono";
import { Resource } from "sst";
import { queuesThrough } from "../queue";
import { domain } from "./route";

const webhook = domain("Webhooks", () => import("@rushes/core/webhook"));

// A redelivery is put on the delivery queue.
queuesThrough({ webhookDelivery: () => Resource.WebhookDeliveryQueue.url });

const signing =
  "Deliveries follow the Standard Webhooks spec: a POST of the event envelope `{type, id, at, properties}` with the headers `webhook-id` (the same on every attempt), `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>`). Delivery is at least once: dedupe by `webhook-id`.";

export const webhooks = new Hono()
  .post(
    "/",
    webhook.doc({
      operationId: "createWebhook",
      summary: "Add a webhook endpoint; its `whsec_` signing secret is shown once",
      description: `${signing} \`url\` must be https, and must not resolve to a private, loopback or link-local address. \`events\` takes types and \`family.*\` patterns; the default is every event.`,
      response: {
        status: 201,
        description: "The endpoint, with its secret",
        schema: (m) => m.Webhook.Schema.WithSecret,
      },
      errors: [409, 422],
      example: {
        url: "https://example.com/hooks/rushes",
        events: ["video.ready", "clip.*"],
        description: "Production",
      },
    }),
    webhook.validate("json", (m) => m.Webhook.create.schema),
    async (c) => {
      const { Webhook } = await webhook.load();
      return c.json(await Webhook.create(c.req.valid("json")), 201);
    },
  )
  .get(
    "/",
    webhook.doc({
      operationId: "listWebhooks",
      summary: "List webhook endpoints, newest first",
      response: {
        status: 200,
        description: "Every endpoint of the owner",
        schema: (m, s) => s.list(m.Webhook.Schema.Info),
      },
    }),
    async (c) => {
      const { Webhook } = await webhook.load();
      return c.json(await Webhook.list(), 200);
    },
  )
  .get(
    "/:id",
    webhook.doc({
      operationId: "getWebhook",
      summary: "Get a webhook endpoint",
      response: { status: 200, description: "The endpoint", schema: (m) => m.Webhook.Schema.Info },
      errors: [404],
    }),
    async (c) => {
      const { Webhook } = await webhook.load();
      return c.json(await Webhook.get(c.req.param("id")), 200);
    },
  )
  .delete(
    "/:id",
    webhook.doc({
      operationId: "deleteWebhook",
      summary: "Delete a webhook endpoint and its delivery log",
      response: { status: 204, description: "Deleted" },
      errors: [404],
    }),
    async (c) => {
      const { Webhook } = await webhook.load();
      await Webhook.remove(c.req.param("id"));
      return c.body(null, 204);
    },
  )
  .post(
    "/:id/rotate",
    webhook.doc({
      operationId: "rotateWebhookSecret",
      summary: "Rotate the signing secret",
      description:
        "Answers the new secret, once. For 24 hours the previous secret keeps signing alongside it: `webhook-signature` carries both signatures, so receivers can switch without dropping a delivery.",
      response: {
        status: 200,
        description: "The endpoint, with its new secret",
        schema: (m) => m.Webhook.Schema.WithSecret,
      },
      errors: [404, 409],
    }),
    async (c) => {
      const { Webhook } = await webhook.load();
      return c.json(await Webhook.rotate(c.req.param("id")), 200);
    },
  )
  .get(
    "/:id/deliveries",
    webhook.doc({
      operationId: "listWebhookDeliveries",
      summary: "The delivery log, newest first",
      description:
        "Each delivery with every attempt: when, the status code, the latency, the error, and the first 1 KB of the response body.",
      response: {
        status: 200,
        description: "A page of deliveries",
        schema: (m, s) => s.page(m.Webhook.Schema.DeliveryInfo),
      },
      errors: [404],
    }),
    webhook.validate("query", (m) => m.Webhook.Schema.DeliveriesInput),
    async (c) => {
      const { Webhook } = await webhook.load();
      const query = c.req.valid("query");
      return c.json(await Webhook.deliveries({ ...query, id: c.req.param("id") }), 200);
    },
  )
  .post(
    "/:id/deliveries/:deliveryId/retry",
    webhook.doc({
      operationId: "retryWebhookDelivery",
      summary: "Redeliver at once",
      description:
        "One more attempt now, with the same `webhook-id` and body. If it fails, the retry schedule continues from the attempts made so far. One redelivery per attempt: while one is queued, another answers 409 `attempt_in_progress`.",
      response: {
        status: 202,
        description: "The delivery, pending",
        schema: (m) => m.Webhook.Schema.DeliveryInfo,
      },
      errors: [404, 409],
    }),
    async (c) => {
      const { Webhook } = await webhook.load();
      return c.json(await Webhook.retry(c.req.param("id"), c.req.param("deliveryId")), 202);
    },
  );
