// SQS consumer subscribed to the Events topic: one webhook delivery per matching endpoint.

import { logger } from "@rushes/core/log";
import { WebhookDispatch } from "@rushes/core/webhook/dispatch";
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from "aws-lambda";

/** The published message: the SNS notification's `Message`, or the body itself (raw delivery). */
function snsMessage(body: string): string {
  try {
    const notification = JSON.parse(body) as { Type?: unknown; Message?: unknown };
    if (notification.Type === "Notification" && typeof notification.Message === "string") {
      return notification.Message;
    }
  } catch {}
  return body;
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    const log = logger().child({ messageId: record.messageId });
    try {
      const queued = await WebhookDispatch.dispatch(snsMessage(record.body));
      log.debug({ queued }, "event dispatched to webhooks");
    } catch (error) {
      log.error({ err: error, body: record.body.slice(0, 200) }, "webhook dispatch failed");
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
