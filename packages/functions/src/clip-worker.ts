// SQS consumer for clip requests: each record is one clip to cut (or to wait for).

import { Message } from "@rushes/core/clip/schema";
import { ClipWorker } from "@rushes/core/clip/worker";
import { Resource } from "sst";
import { queuesThrough } from "./queue";
import { batch, json } from "./sqs";

// A clip still waiting for footage goes back on its own queue, delayed.
queuesThrough({ clip: () => Resource.ClipQueue.url });

/**
 * Waiting for footage does not use the failure path: the worker re-sends the message with a
 * delay and this one succeeds. ApproximateReceiveCount then only counts real failures, so the
 * DLQ threshold stays tight for poison while a clip may wait through many retries.
 */
export const handler = batch(json(Message), {
  what: "clip message",
  fields: (message) => ({ clipId: message.clipId }),
  run: (message) => ClipWorker.process(message.clipId),
});
