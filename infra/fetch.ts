// URL ingest: the Fetch function and its queue. It streams a URL's bytes into a multipart upload
// under uploads/, whose completion fires the same ObjectCreated ingest as an upload.
import { itemRights, names, publishRights, receiveRights, sendRights } from "./access";
import { events } from "./processing";
import { environment, setting } from "./settings";
import { bucket, table } from "./storage";

const fetchSeconds = 900; // Lambda's maximum; a longer fetch continues in the next invocation
/** Receives before the DLQ: the function fails the video (`fetch_failed`) on the last one. */
export const fetchReceives = 3;

export const fetchDeadLetters = new sst.aws.Queue("FetchDeadLetters", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

export const fetchQueue = new sst.aws.Queue("FetchQueue", {
  // AWS's rule for queues Lambda polls: at least 6 × the function timeout.
  visibilityTimeout: `${6 * fetchSeconds} seconds`,
  dlq: { queue: fetchDeadLetters.arn, retry: fetchReceives },
});

/**
 * Streams, so memory bounds only the part in flight (RUSHES_MULTIPART_PART_BYTES); no /tmp. The
 * fetch never reaches private, loopback or link-local addresses here: the local runtime's switch
 * for that is no deploy setting (test/infra/allow-local.test.ts).
 */
export const fetchFunction = new sst.aws.Function("Fetch", {
  handler: "packages/functions/src/fetch.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  // One part in memory at a time (RUSHES_MULTIPART_PART_BYTES, 8 MiB): under any account's quota.
  memory: "1024 MB",
  timeout: `${fetchSeconds} seconds`,
  environment: {
    ...names({ Media: bucket, Table: table, Events: events, FetchQueue: fetchQueue }),
    ...environment("fetch"),
    RUSHES_FETCH_MAX_RECEIVES: String(fetchReceives),
  },
  permissions: [
    // Its own video only, by key: read, claim, record progress, end; its history lines. No
    // query, scan or delete.
    itemRights(table, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]),
    // A failed fetch publishes video.failed.
    publishRights(events),
    // The subscription polls with this role; a fetch near its time limit sends its continuation.
    receiveRights(fetchQueue),
    sendRights(fetchQueue),
    // The multipart upload under uploads/: create, parts and complete are authorised as
    // PutObject; a failed or cancelled fetch aborts it.
    {
      actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
      resources: [$interpolate`${bucket.arn}/uploads/*`],
    },
  ],
});

// One fetch per invocation, up to RUSHES_FETCH_MAX_CONCURRENCY at once.
fetchQueue.subscribe(fetchFunction.arn, {
  batch: { size: 1, partialResponses: true },
  transform: {
    eventSourceMapping: {
      scalingConfig: { maximumConcurrency: setting("RUSHES_FETCH_MAX_CONCURRENCY") },
    },
  },
});
