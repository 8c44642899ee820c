// The embedded local runtime: AWS stand-ins, the event source mappings, the API and the web client.
import type { Server } from "node:http";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createAdaptorServer } from "@hono/node-server";
import type { S3Event } from "aws-lambda";
import { resolveDevKey } from "./dev-key";
import { applyEnvironment, assertResources, localClients } from "./environment";
import { fetchResources, startFetch } from "./fetch";
import { createFront } from "./front";
import { accountId, type LambdaHandler, region } from "./lambda";
import { resolveLocalhostNames } from "./localhost-dns";
import type { Log } from "./log";
import { startIngest, startPollers } from "./mappings";
import { closeServer, listen } from "./net";
import { lockDataDir, preflight } from "./preflight";
import { names, type Provisioned, provisionAll } from "./provision";
import type { Envelope } from "./sns-tap";
import type { SqsHandler } from "./sqs-poller";
import { type StandInPorts, type StandIns, startStandIns } from "./stand-ins";
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
    fetch?: SqsHandler;
    captionWorker?: SqsHandler;
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
  await preflight(dataDir, port, host, options.ports ?? {});
  const cleanup: Cleanup = [await lockDataDir(dataDir)];
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
    const urls = configure(standIns, devKey, options);
    const log = await loadCore(options.quiet, cleanup);
    const { Config } = await import("@rushes/core/config");

    const clients = localClients(standIns.endpoints);
    cleanup.push(() => {
      for (const client of Object.values(clients)) client.destroy();
    });
    const maxReceiveCount = options.queue?.maxReceiveCount ?? 5;
    const queue = { ...options.queue, maxReceiveCount };
    const provisioned = await provisionAll(clients, urls, queue, log);
    await assertResources(devKey, urls.queueUrl);
    await useQueues();

    const handlers = await loadHandlers(options.handlers);
    const ingest = await startIngest(standIns, handlers.ingest, log, cleanup);
    const eventLog = await startPollers({
      clients,
      provisioned,
      handlers,
      maxReceiveCount,
      maxEvents,
      log,
      cleanup,
    });
    const webhooks = await startWebhooks({
      ...clients,
      topicArn: urls.topicArn,
      log,
      urls: options.webhooks,
    });
    cleanup.push(() => webhooks.stop());
    const fetches = await startFetch({ sqs: clients.sqs, log, handler: options.handlers?.fetch });
    cleanup.push(() => fetches.stop());

    const requeued = await requeuePendingClips();
    if (requeued) log.info(`requeued ${requeued} pending clip(s)`);
    // The sweep: at start-up it reclaims every lease at once (nothing else can hold one here,
    // and S3 events are not kept across restarts), then runs on a timer as the cron does in AWS.
    const sweep = await startSweep({
      intervalSeconds: Config.get().RUSHES_SWEEP_INTERVAL_SECONDS,
      redrive: ingest.redrive,
      log,
    });
    cleanup.push(() => sweep.stop());

    const { url, httpPort } = await serve(standIns, port, devKey, options.webDist, cleanup);
    let stopping: Promise<void> | undefined;
    return {
      url,
      apiUrl: url,
      devKey,
      dataDir,
      ports: { http: httpPort, ...standIns.ports },
      endpoints: standIns.endpoints,
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

type Cleanup = Array<() => Promise<void> | void>;

/** Points core at the stand-ins: endpoints, `Resource.X` and settings, before core loads. */
function configure(standIns: StandIns, devKey: string, options: RuntimeOptions) {
  const topicArn = `arn:aws:sns:${region}:${accountId}:${names.topic}`;
  const sqsBase = `http://sqs.${region}.localhost:${standIns.ports.sqs}/${accountId}`;
  const queueUrl = `${sqsBase}/${names.queue}`;
  const chunkQueueUrl = `${sqsBase}/${names.chunks}`;
  applyEnvironment({
    devKey,
    endpoints: standIns.endpoints,
    topicArn,
    queueUrl,
    chunkQueueUrl,
    quiet: options.quiet,
    extra: options.env,
    resources: {
      ...webhookResources(standIns.ports.sqs, devKey),
      ...fetchResources(standIns.ports.sqs),
      CaptionQueue: { url: `${sqsBase}/${names.captions}` },
    },
  });
  return { topicArn, queueUrl };
}

/** Only now may core load: it reads Resource.X and the endpoints once. Returns the runtime's log. */
async function loadCore(quiet: boolean | undefined, cleanup: Cleanup) {
  const [{ Config }, { Aws }, { logger, resetLogger }] = await Promise.all([
    import("@rushes/core/config"),
    import("@rushes/core/aws"),
    import("@rushes/core/log"),
  ]);
  Config.reset();
  Aws.reset();
  resetLogger();
  cleanup.push(() => Aws.reset());
  return runtimeLog(logger(), quiet);
}

/** The queue port's transport (core/src/queue.ts) for every queue: SQS, here fauxqs. */
async function useQueues() {
  const [{ queuesThrough }, { Resource }] = await Promise.all([
    import("@rushes/functions/queue"),
    import("sst"),
  ]);
  queuesThrough({
    clip: () => Resource.ClipQueue.url,
    chunk: () => Resource.ChunkQueue.url,
    webhookDelivery: () => Resource.WebhookDeliveryQueue.url,
    fetch: () => Resource.FetchQueue.url,
    captions: () => Resource.CaptionQueue.url,
  });
}

/** The functions' entry points, or the ones a test replaces them with. */
async function loadHandlers(replaced: RuntimeOptions["handlers"] = {}) {
  return {
    ingest: replaced.ingest ?? (await import("@rushes/functions/ingest")).handler,
    clipWorker: replaced.clipWorker ?? (await import("@rushes/functions/clip-worker")).handler,
    chunkWorker: replaced.chunkWorker ?? (await import("@rushes/functions/chunk-worker")).handler,
    captionWorker:
      replaced.captionWorker ?? (await import("@rushes/functions/caption-worker")).handler,
  };
}

/** The API and the web client on one origin, which is then the only one the stand-ins answer. */
async function serve(
  standIns: StandIns,
  port: number,
  devKey: string,
  webDist: string | undefined,
  cleanup: Cleanup,
) {
  const [{ app }, { AwsRecord }, { Config }] = await Promise.all([
    import("@rushes/functions/api"),
    import("@rushes/core/aws-record"),
    import("@rushes/core/config"),
  ]);
  const front = createFront({
    // Each request as one invocation of the Api function, for the recorder.
    api: { fetch: (request: Request) => AwsRecord.as("Api", () => app.fetch(request)) },
    webDist: webDist ?? webDistDefault,
    devKey,
    maxUploadBytes: Config.get().RUSHES_MAX_UPLOAD_BYTES,
  });
  const server = createAdaptorServer({ fetch: front.fetch }) as Server;
  const httpPort = await listen(server, port, host, "set PORT to another port");
  cleanup.push(() => closeServer(server));
  const url = `http://localhost:${httpPort}`;
  // Only the app's own pages may reach the stand-ins, under either loopback name.
  await standIns.allowOrigins([url, `http://127.0.0.1:${httpPort}`]);
  return { url, httpPort };
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
