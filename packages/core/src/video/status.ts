/** A video's statuses, on their own so the entity and the schema both import them and not each other. */
export const Statuses = [
  "awaiting_upload",
  "processing",
  "ready",
  "failed",
  "rejected",
  "expired",
  "cancelled",
] as const;
