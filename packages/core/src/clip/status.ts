/** A clip's statuses, on their own so the entity and the schema both import them and not each other. */
export const Statuses = [
  "pending",
  "processing",
  "available",
  "not_available",
  "out_of_range",
  "failed",
] as const;
