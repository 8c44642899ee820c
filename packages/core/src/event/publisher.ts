import { PublishCommand } from "@aws-sdk/client-sns";
import { Resource } from "sst";
import { Aws } from "../aws";
import { logger } from "../log";
import { Events } from "./schema";

/** The one place an event goes out: SNS, on the `Events` topic. */
export namespace Publisher {
  /**
   * Publishes one event under its outbox id (core/src/lifecycle.ts). A crash can make the same
   * event go out twice, always with the same `id` and `at`: consumers dedupe by `id`.
   */
  export async function publish<T extends Events.Type>(
    type: T,
    origin: { eventId: string; at: number },
    properties: Events.Properties<T>,
  ) {
    const parsed = Events.Definitions[type].parse(properties);
    const envelope: Events.Envelope = {
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
