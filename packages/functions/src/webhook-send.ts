// SQS consumer for webhook deliveries: one attempt per message, reporting only the failed records.

import { logger } from "@rushes/core/log";
import { WebhookDelivery } from "@rushes/core/webhook/delivery";
import { Message } from "@rushes/core/webhook/schema";
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from "aws-lambda";

/**
 * A failed HTTP attempt is not a failed record: the sender schedules the next attempt itself
 * (a new, delayed message), so receives count only crashes and poison, which end in the DLQ.
 * Records run concurrently: one slow endpoint must not hold up the rest of the batch.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures = await Promise.all(
    event.Records.map(async (record): Promise<SQSBatchItemFailure | undefined> => {
      const log = logger().child({ messageId: record.messageId });
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {}
      const message = Message.safeParse(body);
      if (!message.success) {
        log.error({ body: record.body.slice(0, 200) }, "malformed webhook delivery message");
        return { itemIdentifier: record.messageId };
      }
      try {
        const outcome = await WebhookDelivery.send(message.data);
        log.debug({ ...message.data, outcome }, "webhook delivery message handled");
        return undefined;
      } catch (error) {
        log.warn({ err: error, ...message.data }, "webhook delivery message failed");
        return { itemIdentifier: record.messageId };
      }
    }),
  );
  return { batchItemFailures: failures.filter((f) => f !== undefined) };
};
