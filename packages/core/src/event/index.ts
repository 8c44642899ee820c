import { PublishCommand } from "@aws-sdk/client-sns";
import { Resource } from "sst";
import * as z from "zod";
import { Aws } from "../aws";
import { logger } from "../log";
import { ErrorInfo, HlsRung, Rendition, Thumbnail } from "../shapes";

/**
 * Domain events published on the `Events` SNS topic. One zod schema per type, one envelope
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
    /** On `video.ready`: the HLS master's key, its rungs, and the storyboard VTT's key. */
    playback: z
      .object({ hls: z.string(), rungs: z.array(HlsRung), storyboard: z.string().optional() })
      .optional(),
  });

  const ClipProperties = z.object({
    clipId: z.string(),
    owner: z.string(),
    cameraId: z.string(),
    startTimestampInMs: z.number(),
    endTimestampInMs: z.number(),
    status: z.string(),
    bucket: z.string(),
    clip: z.object({ key: z.string(), url: z.string() }).optional(),
    thumbnail: z.object({ key: z.string(), sizes: z.array(z.number()) }).optional(),
    error: ErrorInfo.optional(),
  });

  export const Definitions = {
    "video.ready": VideoProperties,
    "video.failed": VideoProperties,
    "video.rejected": VideoProperties,
    "video.expired": VideoProperties,
    "video.cancelled": VideoProperties,
    "clip.available": ClipProperties,
    "clip.not_available": ClipProperties,
    "clip.failed": ClipProperties,
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

  /**
   * Publishes one event under its outbox id (core/src/lifecycle.ts). A crash can make the same
   * event go out twice, always with the same `id` and `at`: consumers dedupe by `id`.
   */
  export async function publish<T extends Type>(
    type: T,
    origin: { eventId: string; at: number },
    properties: Properties<T>,
  ) {
    const parsed = Definitions[type].parse(properties);
    const envelope: Envelope = {
      type,
      id: origin.eventId,
      at: new Date(origin.at).toISOString(),
      properties: parsed,
    };
    const sns = await Aws.once("sns", async () => {
      const { SNSClient } = await import("../clients/sns");
      return new SNSClient({});
    });
    await sns.send(
      new PublishCommand({
        TopicArn: Resource.Events.arn,
        Message: JSON.stringify(envelope),
        MessageAttributes: { type: { DataType: "String", StringValue: type } },
      }),
    );
    logger().info({ event: type, id: envelope.id }, "event published");
    return envelope;
  }
}
