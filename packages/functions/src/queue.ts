// The queue port's SQS transport (core/src/queue.ts): each function installs it for the queues it
// sends to, naming their URLs, so a function links exactly the queues it uses.

import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { Aws } from "@rushes/core/aws";
import { Queue } from "@rushes/core/queue";

/** SQS takes at most ten entries in one batch request. */
const batchSize = 10;

/** SQS as one queue's transport; `url` is read when a message is sent. */
export function sqsTransport(url: () => string): Queue.Transport {
  return {
    async send(body, delaySeconds) {
      const sqs = await Aws.sqs();
      await sqs.send(
        new SendMessageCommand({ QueueUrl: url(), MessageBody: body, DelaySeconds: delaySeconds }),
      );
    },
    async sendBatch(bodies) {
      const sqs = await Aws.sqs();
      for (let i = 0; i < bodies.length; i += batchSize) {
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url(),
            Entries: bodies
              .slice(i, i + batchSize)
              .map((body, j) => ({ Id: String(i + j), MessageBody: body })),
          }),
        );
        if (out.Failed?.length)
          throw new Error(`messages not sent: ${out.Failed.map((f) => f.Code).join(", ")}`);
      }
    },
    async retryIn(receipt, seconds) {
      const sqs = await Aws.sqs();
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url(),
          ReceiptHandle: receipt,
          VisibilityTimeout: Math.round(seconds),
        }),
      );
    },
  };
}

/**
 * Installs SQS for each named queue, as the fallback: a runtime that brings its own transport
 * (a test's) keeps it when a handler module loads after it.
 */
export function queuesThrough(urls: Partial<Record<Queue.Name, () => string>>) {
  for (const [name, url] of Object.entries(urls) as [Queue.Name, () => string][]) {
    Queue.use(name, sqsTransport(url), { fallback: true });
  }
}
