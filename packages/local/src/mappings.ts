// The local runtime's event source mappings: S3 → ingest, and the queues → their workers.
import { availableParallelism } from "node:os";
import type { S3Event } from "aws-lambda";
import type { localClients } from "./environment";
import { createAsyncInvoker } from "./invoker";
import type { LambdaHandler } from "./lambda";
import type { Log } from "./log";
import { names, type Provisioned } from "./provision";
import { toS3Event } from "./s3-events";
import { createEventLog, createSnsTap } from "./sns-tap";
import { type SqsHandler, type SqsPoller, startSqsPoller, watchDeadLetters } from "./sqs-poller";
import type { StandIns } from "./stand-ins";

type Cleanup = Array<() => Promise<void> | void>;
type Clients = ReturnType<typeof localClients>;

/**
 * S3 → ingest: asynchronous invocation, like a bucket notification. The local invoker's few
 * concurrent runs stand in for Lambda's scale-out and are shared fairly between the uploads'
 * owners; the concurrent-processing quota itself is the table's (core/src/quota/slots.ts).
 */
export async function startIngest(
  standIns: StandIns,
  handler: LambdaHandler<S3Event>,
  log: Log,
  cleanup: Cleanup,
) {
  const [{ ObjectKeys }, { Dynamo }, { decodeKey, redeliveryEvent }, { Slots }] = await Promise.all(
    [
      import("@rushes/core/storage"),
      import("@rushes/core/dynamo"),
      import("@rushes/functions/ingest"),
      import("@rushes/core/quota/slots"),
    ],
  );
  const ingest = createAsyncInvoker<S3Event>({
    name: "ingest",
    function: "Ingest",
    onFailure: "IngestFailures",
    handler,
    log,
    describe: (event) => event.Records[0]?.s3.object.key ?? "event",
    group: async (event) => {
      const videoId = ObjectKeys.parseSource(decodeKey(event.Records[0]?.s3.object.key ?? ""));
      if (!videoId) return "";
      const { data } = await Dynamo.entities.video.get({ videoId }).go();
      return data?.owner ?? "";
    },
  });
  standIns.onObjectEvent((event) => {
    const s3Event = toS3Event(event);
    if (!s3Event) return;
    log.info(`s3 ${s3Event.Records[0]!.eventName} ${s3Event.Records[0]!.s3.object.key} → ingest`);
    ingest.push(s3Event);
  });
  cleanup.push(() => ingest.stop());
  /** A video sent to ingest again, as the sweep's re-drives and a slot's hand-off do. */
  const redrive = (videoId: string) => ingest.push(redeliveryEvent(names.bucket, videoId));
  // A freed processing slot's hand-off (core/src/quota/slots.ts) reaches ingest as the sweep's
  // re-drives do; this wins over the Lambda invoke the function modules install as a fallback.
  Slots.useRedrive(async (videoId) => redrive(videoId));
  cleanup.push(() => void Slots.useRedrive(undefined));
  return { idle: (timeoutMs?: number) => ingest.idle(timeoutMs), redrive };
}

/**
 * SQS → the clip and chunk workers, and the SNS topic → log and `runtime.events`. Chunks: one
 * message per invocation, as many invocations at once as Lambda would run (bounded by
 * RUSHES_LOCAL_CHUNK_CONCURRENCY, default one per CPU).
 */
export async function startPollers(options: {
  clients: Clients;
  provisioned: Provisioned;
  handlers: { clipWorker: SqsHandler; chunkWorker: SqsHandler; captionWorker: SqsHandler };
  maxReceiveCount: number;
  maxEvents: number;
  log: Log;
  cleanup: Cleanup;
}) {
  const { clients, provisioned, handlers, log, cleanup } = options;
  const { Events } = await import("@rushes/core/event/schema");
  const eventLog = createEventLog(options.maxEvents);
  const tap = createSnsTap({
    log,
    parse: (message) => Events.Envelope.safeParse(message).data,
    onEnvelope: eventLog.push,
  });
  const sqs = clients.sqs;
  const pollers: SqsPoller[] = [
    startSqsPoller({
      name: "clip-worker",
      sqs,
      queueUrl: provisioned.queueUrl,
      queueArn: provisioned.queueArn,
      handler: handlers.clipWorker,
      mapping: { function: "ClipWorker", queue: "ClipQueue" },
      log,
    }),
    // Automatic captions, one at a time: a whisper run already uses every core it is given.
    startSqsPoller({
      name: "caption-worker",
      sqs,
      queueUrl: provisioned.captionQueueUrl,
      queueArn: provisioned.captionQueueArn,
      handler: handlers.captionWorker,
      mapping: { function: "CaptionWorker", queue: "CaptionQueue" },
      batchSize: 1,
      log,
    }),
    startSqsPoller({
      name: "events-tap",
      sqs,
      queueUrl: provisioned.tapUrl,
      queueArn: provisioned.tapArn,
      handler: tap.handler,
      log,
    }),
  ];
  const chunkPollers = Number(process.env.RUSHES_LOCAL_CHUNK_CONCURRENCY) || availableParallelism();
  for (let i = 0; i < chunkPollers; i++) {
    pollers.push(
      startSqsPoller({
        name: `chunk-worker-${i}`,
        sqs,
        queueUrl: provisioned.chunkQueueUrl,
        queueArn: provisioned.chunkQueueArn,
        handler: handlers.chunkWorker,
        mapping: { function: "ChunkWorker", queue: "ChunkQueue" },
        batchSize: 1,
        log,
      }),
    );
  }
  cleanup.push(() => Promise.all(pollers.map((p) => p.stop())).then(() => {}));
  const what = `clip message(s) failed ${options.maxReceiveCount} times and`;
  cleanup.push(watchDeadLetters({ sqs, dlqUrl: provisioned.dlqUrl, what, log }));
  const chunkWhat = "chunk message(s) could not be read and";
  cleanup.push(watchDeadLetters({ sqs, dlqUrl: provisioned.chunkDlqUrl, what: chunkWhat, log }));
  const captionWhat = "captions message(s) failed 3 times and";
  cleanup.push(
    watchDeadLetters({ sqs, dlqUrl: provisioned.captionDlqUrl, what: captionWhat, log }),
  );
  return eventLog;
}
