/** A video's statuses, on their own so the entity and the schema both import them and not each other. */
export const Statuses = [
  "awaiting_upload",
  /** rushes downloads the source from a URL itself (fetch/, video/fetch.ts). */
  "fetching",
  /** Uploaded, waiting for one of its owner's processing slots (RUSHES_QUOTA_CONCURRENT_PROCESSING). */
  "queued",
  "processing",
  "ready",
  "failed",
  "rejected",
  "expired",
  "cancelled",
] as const;
