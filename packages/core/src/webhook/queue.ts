import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { Resource } from "sst";
import { Aws } from "../aws";
import { Schedule } from "./schedule";
import type { Message } from "./schema";

/** Puts one attempt of a delivery on the delivery queue, after at most SQS's 15-minute delay. */
export async function enqueue(message: Message, delaySeconds = 0) {
  const sqs = await Aws.sqs();
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: Resource.WebhookDeliveryQueue.url,
      MessageBody: JSON.stringify(message),
      DelaySeconds: Schedule.queueDelaySeconds(Date.now() + delaySeconds * 1000, Date.now()),
    }),
  );
}
