// SQS consumer for clip requests; reports failed records so only they are retried.

import { ClipQueue } from "@rushes/core/clip/queue";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> =>
  ClipQueue.handleBatch(event.Records);
