// The embedded local runtime: AWS stand-ins, the event source mappings, the API and the web client.
import type { Server } from "node:http";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createAdaptorServer } from "@hono/node-server";
import type { S3Event } from "aws-lambda";
import { resolveDevKey } from "./dev-key";
import { applyEnvironment, assertResources, localClients } from "./environment";
import { createFront } from "./front";
import { createAsyncInvoker } from "./invoker";
import { accountId, type LambdaHandler, region } from "./lambda";
import { resolveLocalhostNames } from "./localhost-dns";
import type { Log } from "./log";
import { closeServer, listen } from "./net";
import { checkDataDir, checkPort, lockDataDir } from "./preflight";
import { ensureBucket, ensureMessaging, ensureTable, names, type Provisioned } from "./provision";
import { toS3Event } from "./s3-events";
import { createEventLog, createSnsTap, type Envelope } from "./sns-tap";
import { type SqsHandler, type SqsPoller, startSqsPoller, watchDeadLetters } from "./sqs-poller";
import { type StandInPorts, startStandIns } from "./stand-ins";
import { type SweepReport, startSweep } from "./sweep";
import { type LocalWebhook, startWebhooks, webhookResources } from "./webhooks";

export { StartupError } from "./preflight";
export type { Envelope } from "./sns-tap";

export interface RuntimeOptions {
  /** Where DynamoDB, S3 and the dev key are kept. */
  dataDir: string;
  /** The HTTP port for the API and the web client; 0 picks a free one. Default 3000. */
  port?: number;
  /** Stand-in ports; 0 or unset picks free ones. A restart in the same process must reuse them. */
  ports?: Partial<StandInPorts>;
  /** The dev (and admin) API key; otherwise the one kept in the data dir, or a new one. */
  devKey?: string;
  /** Extra environment (e.g. shortened `RUSHES_CLIP_*` settings), applied before handlers load. */
  env?: Record<string, string>;
  /** Only warnings and errors from the runtime itself. */
  quiet?: boolean;
  /** Webhook URLs registered for the dev owner on start (main.ts reads `RUSHES_LOCAL_WEBHOOKS`). */
  webhooks?: string[];
  /** Replaces entry points (tests of the event mappings themselves). */
  handlers?: {
    ingest?: LambdaHandler<S3Event>;
    clipWorker?: SqsHandler;
    chunkWorker?: SqsHandler;
  };
  /** The built web client; default `packages/web/dist`. */
  webDist?: string;
  /** Clip queue settings: how long a received message stays hidden, and receives before the DLQ. */
  queue?: { visibilityTimeoutSeconds?: number; maxReceiveCount?: number };
}

export interface Runtime {
  url: string;
  /** The API base: the same origin as the web client. */
  apiUrl: string;
  devKey: string;
  dataDir: string;
  ports: StandInPorts & { http: number };
  endpoints: { dynamo: string; s3: string; sqs: string };
  resources: Provisioned & { table: string; bucket: string };
  /** Every message published on the events topic, parsed, oldest first. */
  events: Envelope[];
  /** The first event (seen or future) matching the predicate; rejects after `timeoutMs`. */
  waitFor(predicate: (event: Envelope) => boolean, timeoutMs?: number): Promise<Envelope>;
  /** The endpoints registered from `webhooks`, with their signing secrets. */
  webhooks: LocalWebhook[];
  /** Runs one sweep pass now (core/src/sweep.ts), as the timer does every interval. */
  sweep(): Promise<SweepReport>;
  /**
   * Resolves when no S3 notification is queued or running and no webhook is in flight; rejects
   * when that has not happened by `timeoutMs` (for each of the two).
   */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const host = "127.0.0.1";
/** `runtime.events` keeps the most recent ones only, so a long `npm start` session stays small. */
const maxEvents = 1000;
const webDistDefault = fileURLToPath(new URL("../../web/dist", import.meta.url));

/** Brings the whole system up on this machine: stand-ins, event mappings, API and web client. */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const dataDir = resolve(options.dataDir);
  const port = options.port ?? 3000;
  await checkDataDir(dataDir);
  await checkPort(port, host, "set PORT to another port");
  for (const [name, p] of Object.entries(options.ports ?? {})) {
    await checkPort(p ?? 0, host, `it was requested for the embedded ${name}`);
  }
  const unlock = await lockDataDir(dataDir);
  const cleanup: Array<() => Promise<void> | void> = [unlock];
  const stopAll = async () => {
    for (const step of cleanup.splice(0).reverse()) await Promise.resolve(step()).catch(() => {});
  };

  try {
    const devKey = await resolveDevKey(dataDir, options.devKey);
    const standIns = await startStandIns({
      dataDir,
      host,
      ports: options.ports ?? {},
      bucket: names.bucket,
    });
    cleanup.push(() => standIns.stop());
    cleanup.push(resolveLocalhostNames());

    const { endpoints } = standIns;
    const topicArn = `arn:aws:sns:${region}:${accountId}:${names.topic}`;
    const sqsBase = `http://sqs.${region}.localhost:${standIns.ports.sqs}/${accountId}`;
    const queueUrl = `${sqsBase}/${names.queue}`;
    const chunkQueueUrl = `${sqsBase}/${names.chunks}`;
    applyEnvironment({
      devKey,
      endpoints,
      topicArn,
      queueUrl,
      chunkQueueUrl,
      quiet: options.quiet,
      extra: options.env,
      resources: webhookResources(standIns.ports.sqs, devKey),
    });

    // Only now may core load: it reads Resource.X and the endpoints once.
    const [{ Config }, { Aws }, { logger, resetLogger }, { tableDefinition }, { Events }] =
      await Promise.all([
        import("@rushes/core/config"),
        import("@rushes/core/aws"),
        import("@rushes/core/log"),
        import("@rushes/core/dynamo"),
        import("@rushes/core/event"),
      ]);
    Config.reset();
    Aws.reset();
    resetLogger();
    cleanup.push(() => Aws.reset());
    const log = runtimeLog(logger(), options.quiet);

    const clients = localClients(endpoints);
    cleanup.push(() => {
      for (const client of Object.values(clients)) client.destroy();
    });
    await ensureTable(clients.dynamo, tableDefinition(), log);
    await migrateKeys(log);
    await ensureBucket(clients.s3);
    const maxReceiveCount = options.queue?.maxReceiveCount ?? 5;
    const provisioned = await ensureMessaging(clients.sqs, clients.sns, {
      visibilityTimeoutSeconds: options.queue?.visibilityTimeoutSeconds ?? 300,
      maxReceiveCount,
      chunkMaxReceiveCount: Config.get().RUSHES_CHUNK_MAX_RECEIVES,
    });
    if (provisioned.queueUrl !== queueUrl || provisioned.topicArn !== topicArn) {
      throw new Error(`fauxqs named the queue ${provisioned.queueUrl}, expected ${queueUrl}`);
    }
    await assertResources(devKey, queueUrl);
    // The queue port's transport (core/src/queue.ts) for every queue: SQS, here fauxqs.
    const [{ queuesThrough }, { Resource }] = await Promise.all([
      import("@rushes/functions/queue"),
      import("sst"),
    ]);
    queuesThrough({
      clip: () => Resource.ClipQueue.url,
      chunk: () => Resource.ChunkQueue.url,
      webhookDelivery: () => Resource.WebhookDeliveryQueue.url,
    });

    const { redeliveryEvent } = await import("@rushes/functions/ingest");
    const handlers = {
      ingest: options.handlers?.ingest ?? (await import("@rushes/functions/ingest")).handler,
      clipWorker:
        options.handlers?.clipWorker ?? (await import("@rushes/functions/clip-worker")).handler,
      chunkWorker:
        options.handlers?.chunkWorker ?? (await import("@rushes/functions/chunk-worker")).handler,
    };

    // S3 → ingest: asynchronous invocation, like a bucket notification. The local invoker's few
    // concurrent runs stand in for Lambda's scale-out and are shared fairly between the uploads'
    // owners; the concurrent-processing quota itself is the table's (core/src/quota/slots.ts).
    const [{ ObjectKeys }, { Dynamo }, { decodeKey }] = await Promise.all([
      import("@rushes/core/storage"),
      import("@rushes/core/dynamo"),
      import("@rushes/functions/ingest"),
    ]);
    const ingest = createAsyncInvoker<S3Event>({
      name: "ingest",
      function: "Ingest",
      onFailure: "IngestFailures",
      handler: handlers.ingest,
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
    // A freed processing slot's hand-off (core/src/quota/slots.ts) reaches ingest as the sweep's
    // re-drives do; this wins over the Lambda invoke the function modules install as a fallback.
    const { Slots } = await import("@rushes/core/quota/slots");
    Slots.useRedrive(async (videoId) => ingest.push(redeliveryEvent(names.bucket, videoId)));
    cleanup.push(() => void Slots.useRedrive(undefined));

    // SQS → clip worker, and the SNS topic → log and runtime.events.
    const eventLog = createEventLog(maxEvents);
    const tap = createSnsTap({
      log,
      parse: (message) => Events.Envelope.safeParse(message).data,
      onEnvelope: eventLog.push,
    });
    const pollers: SqsPoller[] = [
      startSqsPoller({
        name: "clip-worker",
        sqs: clients.sqs,
        queueUrl: provisioned.queueUrl,
        queueArn: provisioned.queueArn,
        handler: handlers.clipWorker,
        mapping: { function: "ClipWorker", queue: "ClipQueue" },
        log,
      }),
      startSqsPoller({
        name: "events-tap",
        sqs: clients.sqs,
        queueUrl: provisioned.tapUrl,
        queueArn: provisioned.tapArn,
        handler: tap.handler,
        log,
      }),
    ];
    // Chunks: one message per invocation, as many invocations at once as Lambda would run
    // (bounded by RUSHES_LOCAL_CHUNK_CONCURRENCY, default one per CPU).
    const chunkPollers =
      Number(process.env.RUSHES_LOCAL_CHUNK_CONCURRENCY) || availableParallelism();
    for (let i = 0; i < chunkPollers; i++) {
      pollers.push(
        startSqsPoller({
          name: `chunk-worker-${i}`,
          sqs: clients.sqs,
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
    const what = `clip message(s) failed ${maxReceiveCount} times and`;
    cleanup.push(watchDeadLetters({ sqs: clients.sqs, dlqUrl: provisioned.dlqUrl, what, log }));
    const chunkWhat = "chunk message(s) could not be read and";
    cleanup.push(
      watchDeadLetters({ sqs: clients.sqs, dlqUrl: provisioned.chunkDlqUrl, what: chunkWhat, log }),
    );

    const webhooks = await startWebhooks({ ...clients, topicArn, log, urls: options.webhooks });
    cleanup.push(() => webhooks.stop());

    const requeued = await requeuePendingClips();
    if (requeued) log.info(`requeued ${requeued} pending clip(s)`);
    // The sweep: at start-up it reclaims every lease at once (nothing else can hold one here,
    // and S3 events are not kept across restarts), then runs on a timer as the cron does in AWS.
    const sweep = await startSweep({
      intervalSeconds: Config.get().RUSHES_SWEEP_INTERVAL_SECONDS,
      redrive: (videoId) => ingest.push(redeliveryEvent(names.bucket, videoId)),
      log,
    });
    cleanup.push(() => sweep.stop());

    const { app } = await import("@rushes/functions/api");
    const { AwsRecord } = await import("@rushes/core/aws-record");
    const front = createFront({
      // Each request as one invocation of the Api function, for the recorder.
      api: { fetch: (request: Request) => AwsRecord.as("Api", () => app.fetch(request)) },
      webDist: options.webDist ?? webDistDefault,
      devKey,
      maxUploadBytes: Config.get().RUSHES_MAX_UPLOAD_BYTES,
    });
    const server = createAdaptorServer({ fetch: front.fetch }) as Server;
    const httpPort = await listen(server, port, host, "set PORT to another port");
    cleanup.push(() => closeServer(server));

    const url = `http://localhost:${httpPort}`;
    // Only the app's own pages may reach the stand-ins, under either loopback name.
    await standIns.allowOrigins([url, `http://127.0.0.1:${httpPort}`]);
    let stopping: Promise<void> | undefined;
    return {
      url,
      apiUrl: url,
      devKey,
      dataDir,
      ports: { http: httpPort, ...standIns.ports },
      endpoints,
      resources: { ...provisioned, table: names.table, bucket: names.bucket },
      events: eventLog.events,
      waitFor: eventLog.waitFor,
      webhooks: webhooks.registered,
      sweep: () => sweep.run(),
      async idle(timeoutMs) {
        await ingest.idle(timeoutMs);
        await webhooks.idle(timeoutMs);
      },
      stop() {
        stopping ??= stopAll().then(() => log.info("rushes stopped"));
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Data written before keys became case-exact has lower-cased keys that today's queries miss;
 * rewrite it before anything reads the table. A no-op (one scan) once done.
 */
async function migrateKeys(log: Log) {
  const { KeyMigration } = await import("@rushes/core/key-migration");
  const { rewritten, skipped } = await KeyMigration.run();
  if (rewritten) log.info(`rewrote ${rewritten} item(s) to case-exact keys`);
  if (skipped) {
    log.warn(`${skipped} item(s) could not be given case-exact keys and stay unreachable`);
  }
}

/** Clips still `pending` go back on the in-memory queue after a restart. */
async function requeuePendingClips(): Promise<number> {
  const { Clip } = await import("@rushes/core/clip");
  return Clip.requeuePending();
}

function runtimeLog(base: Log, quiet?: boolean): Log {
  if (!quiet) return base;
  const noop = () => {};
  return { debug: noop, info: noop, warn: base.warn.bind(base), error: base.error.bind(base) };
}
