// SQS consumer for URL ingest: each record is one video's fetch to run, or to resume.

import { Config } from "@rushes/core/config";
import { FetchRun } from "@rushes/core/video/fetch-run";
import type { Context, SQSEvent } from "aws-lambda";
import { Resource } from "sst";
import { queuesThrough } from "./queue";
import { batch, json } from "./sqs";

// A fetch near its time limit sends itself a continuation on its own queue.
queuesThrough({ fetch: () => Resource.FetchQueue.url });

/**
 * One message per invocation (infra/processing.ts): the fetch gets the function's whole time
 * left, less a margin to record its progress and hand over.
 */
export const handler = (event: SQSEvent, context: Context) =>
  batch(json(FetchRun.Message), {
    what: "fetch",
    fields: (message) => ({ videoId: message.videoId }),
    run: (message, { receives }) =>
      FetchRun.run(message, {
        remainingMs: () => context.getRemainingTimeInMillis(),
        receives,
        maxReceives: Config.get().RUSHES_FETCH_MAX_RECEIVES,
      }),
  })(event);
