import * as z from "zod";
import { ErrorInfo, HlsRung, Rendition, Thumbnail } from "../shapes";

/**
 * Domain events, as pure schemas: importable by the webhook API and the web client without the
 * SNS client, which only the publisher (./publisher.ts) carries. Published on the `Events` topic. One zod schema per type, one envelope
 * everywhere: `{type, id, at, properties}`. Subscribers filter on the `type` message attribute.
 */
export namespace Events {
  const VideoProperties = z.object({
    videoId: z.string(),
    owner: z.string(),
    status: z.string(),
    bucket: z.string(),
    error: ErrorInfo.optional(),
    renditions: z.array(Rendition.omit({ bytes: true })).optional(),
    thumbnails: z.array(Thumbnail).optional(),
    durationMs: z.number().optional(),
    /** Once the video plays while it encodes (`video.playable`), and on every later event. */
    playableAt: z.string().optional(),
    /** On `video.ready`: the HLS master's key, its rungs, and the storyboard VTT's key. */
    playback: z
      .object({ hls: z.string(), rungs: z.array(HlsRung), storyboard: z.string().optional() })
      .optional(),
  });

  const ClipProperties = z.object({
    clipId: z.string(),
    owner: z.string(),
    /** Camera clips: the camera and the window's instants (epoch ms). */
    cameraId: z.string().optional(),
    startTimestampInMs: z.number().optional(),
    endTimestampInMs: z.number().optional(),
    /** Clips of a video (`POST /v1/videos/:id/clips`): the video and the offsets (ms from its start). */
    videoId: z.string().optional(),
    startMs: z.number().optional(),
    endMs: z.number().optional(),
    status: z.string(),
    bucket: z.string(),
    clip: z.object({ key: z.string(), url: z.string() }).optional(),
    thumbnail: z.object({ key: z.string(), sizes: z.array(z.number()) }).optional(),
    error: ErrorInfo.optional(),
  });

  /** A caption track made automatically (captions/auto): ready with its language, or failed. */
  const CaptionProperties = z.object({
    videoId: z.string(),
    owner: z.string(),
    language: z.string(),
    source: z.enum(["upload", "auto"]),
    status: z.string(),
    bucket: z.string(),
    /** On `captions.ready`: the WebVTT track's key. */
    key: z.string().optional(),
    error: ErrorInfo.optional(),
  });

  export const Definitions = {
    "video.ready": VideoProperties,
    "video.failed": VideoProperties,
    "video.rejected": VideoProperties,
    "video.expired": VideoProperties,
    "video.cancelled": VideoProperties,
    /** A processing video's first segments are stored: `GET /v1/videos/:id` has `playback`. */
    "video.playable": VideoProperties,
    "clip.available": ClipProperties,
    "clip.not_available": ClipProperties,
    "clip.failed": ClipProperties,
    "captions.ready": CaptionProperties,
    "captions.failed": CaptionProperties,
  } as const;

  export type Type = keyof typeof Definitions;
  export type Properties<T extends Type> = z.input<(typeof Definitions)[T]>;

  export const Envelope = z.object({
    type: z.enum(Object.keys(Definitions) as [Type, ...Type[]]),
    id: z.string(),
    at: z.string(),
    properties: z.record(z.string(), z.unknown()),
  });
  export type Envelope = z.infer<typeof Envelope>;

  /** Every event type, in the order declared. */
  export const types = Object.keys(Definitions) as Type[];
}
