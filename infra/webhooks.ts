// Webhooks: the Events topic → dispatch queue → WebhookDispatcher → delivery queue → WebhookSender.

import { names, receiveRights, sendRights, tableRights } from "./access";
import { events } from "./processing";
import { environment } from "./settings";
import { table } from "./storage";

/**
 * Seals endpoint secrets at rest (AES-256-GCM under a key derived from it). No placeholder: a
 * stage cannot deploy until `sst secret set WebhookKey` has given it one (docs/deploy.md, "Deploy").
 */
export const webhookKey = new sst.Secret("WebhookKey");

const senderSeconds = 60;
const dispatcherSeconds = 60;
// Longer than any SQS retention default: a message's age in the DLQ counts from its first send.
const dlqRetention = { transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } } };

export const webhookDispatchDeadLetters = new sst.aws.Queue(
  "WebhookDispatchDeadLetters",
  dlqRetention,
);
export const webhookDispatchQueue = new sst.aws.Queue("WebhookDispatchQueue", {
  visibilityTimeout: `${6 * dispatcherSeconds} seconds`,
  dlq: { queue: webhookDispatchDeadLetters.arn, retry: 5 },
});

export const webhookDeliveryDeadLetters = new sst.aws.Queue(
  "WebhookDeliveryDeadLetters",
  dlqRetention,
);
/*
 * One message per attempt. A failed HTTP attempt is not a failed receive: the sender sends the
 * next attempt as a new, delayed message (waits over SQS's 15 minutes hop until due), so the
 * receive count, and the DLQ, see only crashes and poison.
 */
export const webhookDeliveryQueue = new sst.aws.Queue("WebhookDeliveryQueue", {
  visibilityTimeout: `${6 * senderSeconds} seconds`,
  dlq: { queue: webhookDeliveryDeadLetters.arn, retry: 5 },
});

// Every published event reaches the dispatcher; it filters by owner and type itself.
events.subscribeQueue("WebhookDispatch", webhookDispatchQueue.arn);

export const webhookDispatcher = new sst.aws.Function("WebhookDispatcher", {
  handler: "packages/functions/src/webhook-dispatch.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  timeout: `${dispatcherSeconds} seconds`,
  environment: {
    ...names({ Table: table, WebhookDeliveryQueue: webhookDeliveryQueue }),
    ...environment("webhookDispatcher"),
  },
  permissions: [
    ...tableRights(table),
    // Subscribed by ARN below, so SST adds no receive rights of its own: the event source
    // mapping polls the queue with this role.
    receiveRights(webhookDispatchQueue),
    sendRights(webhookDeliveryQueue),
  ],
});
webhookDispatchQueue.subscribe(webhookDispatcher.arn, {
  batch: { size: 10, partialResponses: true },
});

/** Attempts in a batch run concurrently, each capped at the attempt timeout (10 s). */
export const webhookSender = new sst.aws.Function("WebhookSender", {
  handler: "packages/functions/src/webhook-send.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  timeout: `${senderSeconds} seconds`,
  link: [webhookKey],
  environment: {
    ...names({ Table: table, WebhookDeliveryQueue: webhookDeliveryQueue }),
    ...environment("webhookSender", { RUSHES_WEBHOOK_TIMEOUT_SECONDS: "10" }),
  },
  permissions: [
    ...tableRights(table),
    // Polled by its subscription (by ARN, as above); the next attempt goes back as a new message.
    receiveRights(webhookDeliveryQueue),
    sendRights(webhookDeliveryQueue),
  ],
});
webhookDeliveryQueue.subscribe(webhookSender.arn, {
  batch: { size: 10, partialResponses: true },
});
