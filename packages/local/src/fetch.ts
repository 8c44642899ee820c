// URL ingest in the local runtime: the FetchQueue (+ DLQ) and the Fetch function, as infra maps them.
import type { SQSClient } from "@aws-sdk/client-sqs";
import { accountId, region } from "./lambda";
import type { Log } from "./log";
import { createQueueWithDlq } from "./provision";
import { type SqsHandler, startSqsPoller, watchDeadLetters } from "./sqs-poller";

/** Physical names, as infra/processing.ts names the queues. */
export const fetchQueues = {
  queue: "rushes-local-fetches",
  dlq: "rushes-local-fetches-dlq",
} as const;

/** `Resource.FetchQueue`, set before core loads (fauxqs URLs are predictable). */
export function fetchResources(sqsPort: number) {
  return {
    FetchQueue: {
      url: `http://sqs.${region}.localhost:${sqsPort}/${accountId}/${fetchQueues.queue}`,
    },
  };
}

/** The Fetch function's timeout here, unless `RUSHES_LOCAL_FETCH_TIMEOUT_MS` shortens it (tests). */
const functionTimeoutMs = () => Number(process.env.RUSHES_LOCAL_FETCH_TIMEOUT_MS) || 900_000;

const concurrency = 3;

/**
 * FetchQueue → `fetch.handler`, one message per invocation, with the deployed redrive count.
 * fauxqs keeps messages in memory, so videos still `fetching` are sent again on start.
 */
export async function startFetch(options: { sqs: SQSClient; log: Log; handler?: SqsHandler }) {
  const { sqs, log } = options;
  const [{ Config }, { FetchRun }] = await Promise.all([
    import("@rushes/core/config"),
    import("@rushes/core/video/fetch-run"),
  ]);
  const queue = await createQueueWithDlq(sqs, fetchQueues.queue, fetchQueues.dlq, {
    // As deployed: a live fetch is never redelivered to a second runner while it runs.
    visibilityTimeoutSeconds: Math.ceil((6 * functionTimeoutMs()) / 1000),
    maxReceiveCount: Config.get().RUSHES_FETCH_MAX_RECEIVES,
  });
  const handler = options.handler ?? (await import("@rushes/functions/fetch")).handler;
  // Lambda runs fetches side by side; a few here, so one slow server does not hold up the rest.
  const pollers = Array.from({ length: concurrency }, (_, i) =>
    startSqsPoller({
      name: `fetch-${i}`,
      sqs,
      queueUrl: queue.url,
      queueArn: queue.arn,
      handler,
      mapping: { function: "Fetch", queue: "FetchQueue" },
      batchSize: 1,
      functionTimeoutMs: functionTimeoutMs(),
      log,
    }),
  );
  const unwatch = watchDeadLetters({
    sqs,
    dlqUrl: queue.dlqUrl,
    what: "fetch message(s) failed and",
    log,
  });
  const requeued = await FetchRun.requeueFetching();
  if (requeued) log.info(`re-sent ${requeued} unfinished fetch(es)`);
  return {
    async stop() {
      unwatch();
      await Promise.all(pollers.map((p) => p.stop()));
    },
  };
}
