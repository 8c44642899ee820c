// Records the AWS requests each function makes, for the IAM check (test/iam): only when
// RUSHES_AWS_RECORD_DIR is set, as the tests set it.
import { AsyncLocalStorage } from "node:async_hooks";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Config } from "../config";
import {
  type AuthorisedAs,
  authorisedAs,
  mediaConvertJob,
  type Target,
  transcribeJob,
} from "./actions";

export type { AuthorisedAs, Target } from "./actions";

export namespace AwsRecord {
  /**
   * One request as IAM sees it, named logically so the check can map it onto the stack's ARNs:
   * the SST component ("Media", "Table", "ClipQueue"), and within it the object key (S3) or the
   * index (`index/gsi1`). A name no linked resource has stays physical, as `?<name>`.
   */
  export interface Entry {
    function: string;
    action: string;
    component: string;
    path?: string;
    context?: Record<string, string>;
  }

  // One store per process, even if this module is loaded twice (vitest's runner and tsx).
  const key = Symbol.for("rushes.aws-record.function");
  const global = globalThis as { [key]?: AsyncLocalStorage<string> };
  global[key] ??= new AsyncLocalStorage<string>();
  const store = global[key];

  /**
   * Runs `fn` as the deployed function `name` (an SST Function name: "Api", "Ingest", …), or as
   * "MediaConvertRole" for what a MediaConvert job does.
   */
  export function as<T>(name: string, fn: () => T): T {
    return store.run(name, fn);
  }

  const dir = () => Config.get().RUSHES_AWS_RECORD_DIR;
  export const active = () => dir() !== undefined;

  const written = new Set<string>();

  /**
   * Synchronous, so a process killed mid-invocation keeps what it already asked for. The directory
   * is made again if a new test run cleared it; recording never fails the request it records.
   */
  function write(at: string, line: string) {
    const file = join(at, `${process.pid}.jsonl`);
    try {
      appendFileSync(file, line);
    } catch {
      try {
        mkdirSync(at, { recursive: true });
        appendFileSync(file, line);
      } catch {}
    }
  }

  /**
   * Writes the requests of the current function, once each per process. Outside any function
   * (a test's own set-up, the local runtime provisioning) nothing is written: that is not a
   * request any deployed role makes.
   */
  export function note(requests: AuthorisedAs[]) {
    const at = dir();
    const fn = store.getStore();
    if (!at || !fn) return;
    for (const request of requests) {
      const line = JSON.stringify({
        function: fn,
        action: request.action,
        ...logical(request.target),
        ...(request.context ? { context: request.context } : {}),
      } satisfies Entry);
      if (written.has(line)) continue;
      written.add(line);
      write(at, `${line}\n`);
    }
  }

  /** What an SQS event source mapping asks for its function: the same entries, by component. */
  export function noteAs(fn: string, component: string, actions: string[]) {
    as(fn, () =>
      note(actions.map((action) => ({ action, target: { kind: "component", component } }))),
    );
  }

  /**
   * A presigned URL handed out is the signer's request, made later by whoever holds the URL.
   * getSignedUrl runs the client's middleware, so `instrument` sees those; createPresignedPost
   * signs on its own, so its caller says so here.
   */
  export function presigned(action: string, bucket: string, key: string) {
    note([{ action, target: { kind: "object", bucket, key } }]);
  }

  const services: Record<string, string> = {
    S3Client: "s3",
    DynamoDBClient: "dynamodb",
    DynamoDBDocumentClient: "dynamodb",
    SQSClient: "sqs",
    SNSClient: "sns",
    LambdaClient: "lambda",
    MediaConvertClient: "mediaconvert",
    TranscribeClient: "transcribe",
  };

  type Stack = {
    add(
      middleware: (
        next: (args: { input: object }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: object }) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };

  /**
   * Adds the recording middleware to an SDK client while recording is on. It runs for every
   * command sent and every URL presigned through the client (getSignedUrl resolves the same
   * middleware stack), before anything else, as IAM authorises before anything else.
   */
  export function instrument<T>(client: T): T {
    if (!active()) return client;
    const stack = (client as { middlewareStack?: Stack }).middlewareStack;
    stack?.add(
      (next, context) => async (args) => {
        const service = services[context.clientName ?? ""] ?? context.clientName ?? "unknown";
        const command = (context.commandName ?? "").replace(/Command$/, "");
        const input = args.input as Record<string, unknown>;
        note(authorisedAs(service, command, input));
        // The job's own reads and writes are the MediaConvert role's, not the caller's.
        if (service === "mediaconvert" && command === "CreateJob" && store.getStore()) {
          as("MediaConvertRole", () => note(mediaConvertJob(input)));
        }
        // A Transcribe job reads and writes S3 as its caller: those are this function's requests.
        if (service === "transcribe" && command === "StartTranscriptionJob") {
          note(transcribeJob(input));
        }
        return next(args);
      },
      { step: "initialize", name: "rushesAwsRecord" },
    );
    return client;
  }

  /** Physical name → SST component, from the `SST_RESOURCE_*` values a link delivers. */
  function components() {
    const out = new Map<string, string>();
    for (const [name, raw] of Object.entries(process.env)) {
      if (!name.startsWith("SST_RESOURCE_") || !raw) continue;
      const component = name.slice("SST_RESOURCE_".length);
      try {
        const value = JSON.parse(raw) as { name?: unknown; url?: unknown; arn?: unknown };
        for (const id of [value.name, value.url, value.arn]) {
          if (typeof id === "string") out.set(physical(id), component);
        }
      } catch {}
    }
    const role = Config.get().RUSHES_MEDIACONVERT_ROLE_ARN;
    if (role) out.set(physical(role), "MediaConvertRole");
    return out;
  }

  /** A queue URL's last segment is its name, whatever host the URL names. */
  const physical = (id: string) => (id.startsWith("http") ? id.replace(/^.*\//, "") : id);

  function logical(target: Target) {
    const named = (id: string) => components().get(physical(id)) ?? `?${id}`;
    switch (target.kind) {
      case "component":
        return { component: target.component };
      case "bucket":
        return { component: named(target.bucket) };
      case "object":
        return { component: named(target.bucket), path: target.key };
      case "table":
        return {
          component: named(target.table),
          ...(target.index ? { path: `index/${target.index}` } : {}),
        };
      case "queue":
        return { component: named(target.url) };
      case "topic":
        return { component: named(target.arn) };
      case "function":
        return { component: named(target.name) };
      case "role":
        return { component: named(target.arn) };
      case "any":
        return { component: "*" };
    }
  }
}
