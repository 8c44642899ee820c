// SQS consumer for clip requests; reports failed records so only they are retried.
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { ClipQueue } from "@rushes/core/clip/queue";

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> =>
  ClipQueue.handleBatch(event.Records);
