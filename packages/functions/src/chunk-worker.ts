// SQS consumer for chunks of long sources: parses each record, runs it, reports the failed ones.

import { Config } from "@rushes/core/config";
import { logger } from "@rushes/core/log";
import { Chunked } from "@rushes/core/video/chunked";
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from "aws-lambda";

/**
 * A failed chunk is reported in batchItemFailures, so SQS retries only it, after a short backoff
 * (`Chunked.retrySoon`) rather than the queue's hour-long visibility timeout, which is left for a
 * worker that is killed. On the receive that reaches the queue's maxReceiveCount the chunk is not
 * retried but fails the video (`chunk_failed`): the DLQ then only ever holds malformed messages,
 * never a video left `processing`.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  const maxReceives = Config.get().RUSHES_CHUNK_MAX_RECEIVES;
  for (const record of event.Records) {
    const log = logger().child({ messageId: record.messageId });
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const message = Chunked.Message.safeParse(body);
    if (!message.success) {
      log.error({ body: record.body.slice(0, 200) }, "malformed chunk message");
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const { videoId, chunk } = message.data;
    const receives = Number(record.attributes.ApproximateReceiveCount ?? 1);
    try {
      const outcome = await Chunked.run(message.data, receives >= maxReceives);
      log.info({ videoId, chunk: chunk.index, outcome }, "chunk handled");
    } catch (error) {
      log.error({ err: error, videoId, chunk: chunk.index, receives }, "chunk failed");
      batchItemFailures.push({ itemIdentifier: record.messageId });
      await Chunked.retrySoon(record.receiptHandle, receives).then(
        (seconds) => log.info({ videoId, chunk: chunk.index, seconds }, "chunk retry in"),
        (err) => log.warn({ err, videoId }, "chunk retry not brought forward"),
      );
    }
  }
  return { batchItemFailures };
};
