import { Entity } from "electrodb";
import { service } from "../attributes";

/*
 * Endpoints live in their owner's partition: every lookup the API makes is (owner, id), so
 * another owner's id can only miss, and the dispatcher reads one partition per event.
 */
export const WebhookEndpointEntity = new Entity({
  model: { entity: "webhookEndpoint", version: "1", service },
  attributes: {
    endpointId: { type: "string", required: true, readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    url: { type: "string", required: true, readOnly: true },
    /** Event types and `family.*` patterns; `*` is every event. */
    events: { type: "list", items: { type: "string" }, required: true },
    description: { type: "string" },
    status: { type: ["enabled", "disabled"] as const, required: true },
    disabledReason: { type: "string" },
    disabledAt: { type: "number" },
    /** AES-256-GCM ciphertexts (secret-box.ts); the secret itself is never stored in the clear. */
    secret: { type: "string", required: true },
    previousSecret: { type: "string" },
    previousSecretExpiresAt: { type: "number" },
    /** Start of the current run of failed attempts; cleared by any 2xx. */
    failingSince: { type: "number" },
    createdAt: { type: "number", required: true, readOnly: true },
    updatedAt: { type: "number", watch: "*", default: () => Date.now(), set: () => Date.now() },
  },
  indexes: {
    byOwner: {
      pk: { field: "pk", composite: ["owner"], casing: "none" },
      sk: { field: "sk", composite: ["endpointId"], casing: "none" },
    },
  },
});

/**
 * How many endpoints an owner has: the cap is taken on this one item with a conditional ADD, so
 * concurrent creates cannot both see room for one. It shares the owner's endpoint partition.
 */
export const WebhookCountEntity = new Entity({
  model: { entity: "webhookCount", version: "1", service },
  attributes: {
    owner: { type: "string", required: true, readOnly: true },
    count: { type: "number", required: true },
  },
  indexes: {
    byOwner: {
      pk: { field: "pk", composite: ["owner"], casing: "none" },
      sk: { field: "sk", composite: [], casing: "none" },
    },
  },
});

const attempt = {
  type: "map",
  properties: {
    at: { type: "number", required: true },
    statusCode: { type: "number" },
    latencyMs: { type: "number", required: true },
    error: { type: "string" },
    /** At most the first 1 KB of the response body. */
    responseBody: { type: "string" },
    manual: { type: "boolean" },
  },
} as const;

export const deliveryRetentionMs = 30 * 24 * 3600_000;

export const WebhookDeliveryEntity = new Entity({
  model: { entity: "webhookDelivery", version: "1", service },
  attributes: {
    /** Derived from the event id and endpoint id: a redelivered event maps to the same delivery. */
    deliveryId: { type: "string", required: true, readOnly: true },
    endpointId: { type: "string", required: true, readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    eventId: { type: "string", required: true, readOnly: true },
    eventType: { type: "string", required: true, readOnly: true },
    /** The exact body every attempt signs and sends. */
    payload: { type: "string", required: true, readOnly: true },
    status: { type: ["pending", "succeeded", "failed"] as const, required: true },
    /** Attempts made so far; the SQS message for the next one carries this number. */
    attemptCount: { type: "number", required: true },
    attempts: { type: "list", items: attempt },
    nextAttemptAt: { type: "number" },
    /** The attempt number a manual retry queued, so concurrent retries queue it once. */
    manualAttempt: { type: "number" },
    /** Held by the sender making an attempt, so duplicate messages cannot post twice at once. */
    leaseUntil: { type: "number" },
    createdAt: { type: "number", required: true, readOnly: true },
    updatedAt: { type: "number", watch: "*", default: () => Date.now(), set: () => Date.now() },
    /**
     * The table's TTL (epoch seconds): a delivery and its attempts are kept 30 days after the
     * event, as Stripe keeps events; retries end after 5 days, so none is still pending then.
     */
    ttl: {
      type: "number",
      readOnly: true,
      watch: ["createdAt"],
      set: (_, item) => Math.floor(((item.createdAt as number) + deliveryRetentionMs) / 1000),
    },
  },
  indexes: {
    byId: {
      pk: { field: "pk", composite: ["deliveryId"], casing: "none" },
      sk: { field: "sk", composite: [], casing: "none" },
    },
    // Epoch ms are 13 digits until 2286, so the string sort key orders by time: newest first.
    byEndpoint: {
      index: "gsi1",
      pk: { field: "gsi1pk", composite: ["endpointId"], casing: "none" },
      sk: { field: "gsi1sk", composite: ["createdAt", "deliveryId"], casing: "none" },
    },
    // Lets the local runtime (and an operator) find deliveries still pending after a restart.
    byStatus: {
      index: "gsi4",
      pk: { field: "gsi4pk", composite: ["status"], casing: "none" },
      sk: { field: "gsi4sk", composite: ["deliveryId"], casing: "none" },
    },
  },
});
