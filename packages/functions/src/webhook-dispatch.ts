// SQS consumer subscribed to the Events topic: one webhook delivery per matching endpoint.

import { WebhookDispatch } from "@rushes/core/webhook/dispatch";
import { Resource } from "sst";
import { queuesThrough } from "./queue";
import { batch } from "./sqs";

// Each matching endpoint gets its first attempt on the delivery queue.
queuesThrough({ webhookDelivery: () => Resource.WebhookDeliveryQueue.url });

/** The published message: the SNS notification's `Message`, or the body itself (raw delivery). */
function snsMessage(body: string): string {
  try {
    const notification = JSON.parse(body) as { Type?: unknown; Message?: unknown };
    if (notification.Type === "Notification" && typeof notification.Message === "string") {
      return notification.Message;
    }
  } catch {}
  return body;
}

export const handler = batch(snsMessage, {
  what: "event for webhooks",
  run: (message) => WebhookDispatch.dispatch(message),
  levels: { handled: "debug" },
});
