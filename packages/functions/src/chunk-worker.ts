// SQS consumer for chunks of long sources: each record is one chunk to encode to every rung, or,
// once the chunks are stitched, one MP4 download to build.

import { Config } from "@rushes/core/config";
import { Charges } from "@rushes/core/quota/charges";
import { Chunked } from "@rushes/core/video/chunked";
import { Resource } from "sst";
import { queuesThrough } from "./queue";
import { handOffThrough } from "./redrive";
import { batch, json } from "./sqs";

// The worker that marks a video ready frees its slot: the hand-off goes to Ingest.
handOffThrough(() => Resource.Ingest.name);

// The downloads fan out on the chunk queue, and a failed chunk's retry is brought forward on it.
queuesThrough({ chunk: () => Resource.ChunkQueue.url });

/**
 * A failed chunk is reported in batchItemFailures, so SQS retries only it, after a short backoff
 * (`Chunked.retrySoon`) rather than the queue's hour-long visibility timeout, which is left for a
 * worker that is killed. On the receive that reaches the queue's maxReceiveCount the chunk is not
 * retried but fails the video (`chunk_failed`): the DLQ then only ever holds malformed messages,
 * never a video left `processing`.
 */
const fieldsOf = (message: Chunked.Message) =>
  "download" in message
    ? { videoId: message.videoId, download: message.download }
    : { videoId: message.videoId, chunk: message.chunk.index };

export const handler = batch(json(Chunked.Message), {
  what: "chunk",
  fields: fieldsOf,
  run: (message, { receives }) =>
    Charges.measure(message.videoId, "download" in message ? "download" : "chunk", () =>
      Chunked.run(message, receives >= Config.get().RUSHES_CHUNK_MAX_RECEIVES),
    ),
  failed: async (message, { receiptHandle, receives, log }) => {
    const fields = fieldsOf(message);
    await Chunked.retrySoon(receiptHandle, receives).then(
      (seconds) => log.info({ ...fields, seconds }, "chunk retry in"),
      (err) => log.warn({ err, ...fields }, "chunk retry not brought forward"),
    );
  },
});
