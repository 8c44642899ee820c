import type { EntityItem } from "electrodb";
import * as z from "zod";
import { isId } from "../id";
import { ErrorInfo } from "../shapes";
import { Instant, PageInput, Thumbnail } from "../video/schema";
import type { ClipEntity } from "./entity";
import { Statuses } from "./status";

export type ClipItem = EntityItem<typeof ClipEntity>;

export { Statuses };
export type Status = (typeof Statuses)[number];

export const CreateInput = z
  .object({
    cameraId: z.string().trim().min(1).max(100),
    start: Instant,
    end: Instant,
    accuracy: z.enum(["exact", "fast"]).default("exact").meta({
      description:
        "exact: frame-accurate, re-encoded. fast: stream copy cut at keyframes; it may start up to one GOP (about 2 s) before `start`.",
    }),
  })
  .meta({ id: "CreateClip" });
export type CreateInput = z.input<typeof CreateInput>;

export const ListInput = PageInput.extend({
  cameraId: z.string().trim().min(1).max(100).optional(),
});

export const Info = z
  .object({
    id: z.string(),
    cameraId: z.string(),
    start: z.string(),
    end: z.string(),
    accuracy: z.enum(["exact", "fast"]),
    status: z.enum(Statuses),
    attempts: z.number(),
    requestedAt: z.string(),
    output: z
      .object({
        key: z.string(),
        bytes: z.number(),
        durationMs: z.number(),
        url: z.string().optional(),
      })
      .optional(),
    thumbnails: z.array(Thumbnail),
    error: ErrorInfo.optional(),
    updatedAt: z.string(),
  })
  .meta({ id: "Clip" });
export type Info = z.infer<typeof Info>;

/** The SQS message body. Anything else on the queue is poison and goes to the DLQ. */
export const Message = z.object({ clipId: z.string().refine((v) => isId("clip", v)) });
export type Message = z.infer<typeof Message>;
