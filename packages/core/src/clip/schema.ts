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

/** Where a clip is cut from: a camera's recordings, or one video between two offsets (seconds). */
export const Source = z
  .union([
    z.object({ cameraId: z.string() }),
    z.object({
      videoId: z.string(),
      start: z.number().meta({ description: "Seconds from the video's start" }),
      end: z.number().meta({ description: "Seconds from the video's start" }),
    }),
  ])
  .meta({ id: "ClipSource" });

export const Info = z
  .object({
    id: z.string(),
    source: Source,
    /** On camera clips: the camera and the two instants, as before `source`. */
    cameraId: z.string().optional(),
    start: z.string().optional(),
    end: z.string().optional(),
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

/** A clip of one of the caller's videos, by offsets in seconds from its start. */
export const VideoClipInput = z
  .object({
    start: z
      .number()
      .nonnegative()
      .max(1e7)
      .meta({ description: "Seconds from the video's start" }),
    end: z.number().nonnegative().max(1e7).meta({ description: "Seconds from the video's start" }),
    mode: z.enum(["exact", "fast"]).default("exact").meta({
      description:
        "exact: frame-accurate, re-encoded. fast: stream copy cut at keyframes; it may start up to one GOP (about 2 s) before `start`.",
    }),
  })
  .meta({ id: "CreateVideoClip" });
export type VideoClipInput = z.input<typeof VideoClipInput>;

/** The SQS message body. Anything else on the queue is poison and goes to the DLQ. */
export const Message = z.object({ clipId: z.string().refine((v) => isId("clip", v)) });
export type Message = z.infer<typeof Message>;
