import { Entity } from "electrodb";
import { service } from "../attributes";

export const IdempotencyStates = ["in_progress", "done"] as const;

/** One client-chosen Idempotency-Key per owner, and the first response made under it. */
export const IdempotencyEntity = new Entity({
  model: { entity: "idempotency", version: "1", service },
  attributes: {
    owner: { type: "string", required: true, readOnly: true },
    key: { type: "string", required: true, readOnly: true },
    /** sha256 of method, path and the canonical JSON body: "the same request". */
    fingerprint: { type: "string", required: true },
    state: { type: IdempotencyStates, required: true },
    /** A request still in progress after this (its function died) may be taken over. */
    lockedUntil: { type: "number", required: true },
    statusCode: { type: "number" },
    /** The response body as JSON text. */
    response: { type: "string" },
    createdAt: { type: "number", required: true },
    /** Epoch ms; the condition that claims a key checks it, since dynalite has no TTL. */
    expiresAt: { type: "number", required: true },
    /** Epoch seconds, DynamoDB's TTL attribute (infra/storage.ts): AWS deletes what expired. */
    ttl: { type: "number", required: true },
  },
  indexes: {
    // Keys are case-exact: "Order-1" and "order-1" are two keys, as the header's sender meant.
    byKey: {
      pk: { field: "pk", composite: ["owner", "key"], casing: "none" },
      sk: { field: "sk", composite: [], casing: "none" },
    },
  },
});
