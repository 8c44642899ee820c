// SQS consumer for webhook deliveries: one attempt per message.

import { WebhookDelivery } from "@rushes/core/webhook/delivery";
import { Message } from "@rushes/core/webhook/schema";
import { Resource } from "sst";
import { queuesThrough } from "./queue";
import { batch, json } from "./sqs";

// The next attempt of a failed delivery goes back on the delivery queue, delayed.
queuesThrough({ webhookDelivery: () => Resource.WebhookDeliveryQueue.url });

/**
 * A failed HTTP attempt is not a failed record: the sender schedules the next attempt itself
 * (a new, delayed message), so receives count only crashes and poison, which end in the DLQ.
 * Records run concurrently: one slow endpoint must not hold up the rest of the batch.
 */
export const handler = batch(json(Message), {
  what: "webhook delivery message",
  fields: (message) => ({ ...message }),
  run: (message) => WebhookDelivery.send(message),
  concurrent: true,
  levels: { handled: "debug", failed: "warn" },
});
