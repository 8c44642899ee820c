import { PublishCommand } from "@aws-sdk/client-sns";
import { Resource } from "sst";
import * as z from "zod";
import { Aws } from "../aws";
import { logger } from "../log";
import { ErrorInfo, Rendition, Thumbnail } from "../shapes";

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
   * Publishes one event. The id is derived from the subject and type, so a redelivered
   * handler that publishes again sends an identical message that consumers can dedupe.
   */
  export async function publish<T extends Type>(
    type: T,
    subjectId: string,
    properties: Properties<T>,
  ) {
    const parsed = Definitions[type].parse(properties);
    const envelope: Envelope = {
      type,
      id: `${subjectId}:${type}`,
      at: new Date().toISOString(),
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
    logger().info({ event: type, subjectId }, "event published");
    return envelope;
  }
}
