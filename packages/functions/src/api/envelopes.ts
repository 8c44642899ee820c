import * as z from "zod";

/** The API's envelopes around domain schemas, for the OpenAPI document; loaded with it. */

/** Every 4xx and 5xx body. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: "not_found" }),
      message: z.string().meta({ example: "Video not found" }),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
      quota: z
        .object({
          name: z.string().meta({ example: "dailySourceMinutes" }),
          usage: z.number(),
          limit: z.number(),
          retryAfterSeconds: z.number().optional(),
        })
        .optional()
        .meta({
          description:
            "With 429 `quota_exceeded`: the quota, its usage and its limit; `Retry-After` (seconds) says when time frees it",
        }),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: "Error" });

/** `Idempotency-Key` on a creating POST (./idempotency.ts honours it). */
export const IdempotencyHeader = z.object({
  "idempotency-key": z.string().max(255).optional().meta({
    description:
      "At most 255 bytes (UTF-8). Makes the request safe to retry: the same key with the same body answers the first response again (header `Idempotent-Replayed: true`) for 24 h; with a different body, 422 `idempotency_mismatch`; while the first still runs, 409 `idempotency_in_progress`.",
  }),
});

/** A presigned POST: send `fields`, then the file last, as multipart/form-data to `url`. */
export const Upload = z
  .object({
    method: z.literal("POST"),
    url: z.string(),
    fields: z.record(z.string(), z.string()),
    expiresAt: z.string(),
    maxBytes: z.number(),
  })
  .meta({ id: "PresignedPost" });

/** A multipart upload: PUT `partCount` parts of `partSize` bytes (the last one shorter). */
export const MultipartUpload = z
  .object({
    method: z.literal("MULTIPART"),
    uploadId: z.string(),
    partSize: z.number().meta({ example: 8_388_608 }),
    partCount: z.number().meta({ example: 13 }),
    expiresAt: z.string(),
    maxBytes: z.number(),
  })
  .meta({ id: "MultipartUpload" });

/** One page of a listing; `cursor` is null on the last page. */
export const page = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), cursor: z.string().nullable() });

/** A whole list, unpaged. */
export const list = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item) });

/** Multipart parts, signed or uploaded. */
export const parts = <T extends z.ZodType>(part: T) => z.object({ parts: z.array(part) });

export const Health = z.object({ ok: z.boolean() });

/** What POST /v1/uploads answers: the video, awaiting its upload, and how to upload it. */
export const created = <T extends z.ZodType>(video: T) =>
  z.object({ video, upload: z.union([Upload, MultipartUpload]) });
