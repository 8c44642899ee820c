import type { EntityItem } from "electrodb";
import * as z from "zod";
import { Events } from "../event/schema";
import { PageInput } from "../video/schema";
import type { WebhookDeliveryEntity, WebhookEndpointEntity } from "./entity";

export type EndpointItem = EntityItem<typeof WebhookEndpointEntity>;
export type DeliveryItem = EntityItem<typeof WebhookDeliveryEntity>;

/** The event types an endpoint may subscribe to: every one the publisher sends. */
export const EventTypes: readonly Events.Type[] = Events.types;
/** `*`, every known type, and `family.*` for each family (`video.*`, `clip.*`). */
export const EventPatterns = [
  "*",
  ...new Set(EventTypes.map((t) => `${t.split(".")[0]}.*`)),
  ...EventTypes,
];

/** Whether an endpoint's filter admits an event type. */
export function matches(filter: readonly string[], type: string) {
  return filter.some(
    (p) => p === "*" || p === type || (p.endsWith(".*") && type.startsWith(p.slice(0, -1))),
  );
}

export const CreateInput = z
  .object({
    url: z.string().trim().min(1).max(2048).meta({ example: "https://example.com/hooks/rushes" }),
    events: z
      .array(z.string().trim().min(1).max(100))
      .min(1)
      .max(20)
      .optional()
      .meta({
        description: `Event types or patterns; default all. One of: ${EventPatterns.join(", ")}`,
      }),
    description: z.string().trim().max(500).optional(),
  })
  .meta({ id: "CreateWebhook" });
export type CreateInput = z.input<typeof CreateInput>;

export const Info = z
  .object({
    id: z.string().meta({ example: "whk_01jd7m3y8q4k6x2v9c0b5n1e7r" }),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().optional(),
    status: z.enum(["enabled", "disabled"]),
    disabledReason: z.string().optional(),
    disabledAt: z.string().optional(),
    /** While set, deliveries are signed with the previous secret too. */
    previousSecretExpiresAt: z.string().optional(),
    createdAt: z.string(),
  })
  .meta({ id: "Webhook" });
export type Info = z.infer<typeof Info>;

/** Answered on creation and rotation only: the one time the secret is shown. */
export const WithSecret = Info.extend({
  secret: z.string().meta({ example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }),
}).meta({ id: "WebhookWithSecret" });

export const Attempt = z
  .object({
    at: z.string(),
    statusCode: z.number().optional(),
    latencyMs: z.number(),
    error: z.string().optional(),
    responseBody: z.string().optional().meta({ description: "The first 1 KB of the response" }),
    manual: z.boolean().optional(),
  })
  .meta({ id: "WebhookAttempt" });

export const DeliveryInfo = z
  .object({
    id: z.string().meta({ description: "The `webhook-id` header of every attempt" }),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.array(Attempt),
    nextAttemptAt: z.string().optional(),
    payload: z.unknown(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "WebhookDelivery" });
export type DeliveryInfo = z.infer<typeof DeliveryInfo>;

export const DeliveriesInput = PageInput;

/** The delivery queue's message: which delivery, and which attempt it is for. */
export const Message = z.object({
  deliveryId: z.string().min(1).max(100),
  attempt: z.number().int().nonnegative(),
  /** Asked for through the API (a redelivery), not by the schedule. */
  manual: z.boolean().optional(),
});
export type Message = z.infer<typeof Message>;
