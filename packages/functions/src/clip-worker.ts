// SQS consumer for clip requests: parses each record and reports the failed ones, so only they retry.

import { Message } from "@rushes/core/clip/schema";
import { ClipWorker } from "@rushes/core/clip/worker";
import { logger } from "@rushes/core/log";
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from "aws-lambda";

/**
 * Each record stands alone: a malformed or failing record is reported in batchItemFailures (SQS
 * retries it, then moves it to the DLQ after maxReceiveCount) and never stops the others.
 *
 * Waiting for footage does not use the failure path: the worker re-sends the message with a
 * delay and this one succeeds. ApproximateReceiveCount then only counts real failures, so the
 * DLQ threshold stays tight for poison while a clip may wait through many retries.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  for (const record of event.Records) {
    const log = logger().child({ messageId: record.messageId });
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const message = Message.safeParse(body);
    if (!message.success) {
      log.error({ body: record.body.slice(0, 200) }, "malformed clip message");
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      const outcome = await ClipWorker.process(message.data.clipId);
      log.info({ clipId: message.data.clipId, outcome }, "clip message handled");
    } catch (error) {
      log.error({ err: error, clipId: message.data.clipId }, "clip message failed");
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
