import { AwsRecord } from "@rushes/core/aws-record";
import { type LambdaHandler, lambdaContext, sleep } from "./lambda";
import type { Log } from "./log";

export interface AsyncInvokerOptions<E> {
  name: string;
  /** The deployed SST Function this stands in for ("Ingest"): its AWS requests are recorded as its. */
  function?: string;
  /**
   * The SST Queue that Lambda sends a dropped event to (its on-failure destination), with the
   * function's own role; recorded as the function's request, since here the event is only logged.
   */
  onFailure?: string;
  handler: LambdaHandler<E>;
  /** How many invocations run at once; the rest wait. */
  concurrency?: number;
  /**
   * Who an event belongs to (an upload's owner). Free slots go to the group with the fewest
   * running, in turn, so one owner's backlog cannot hold every slot while another's waits.
   * Without it, every event is in one group: first in, first out.
   */
  group?: (event: E) => string | Promise<string>;
  /** Pauses before each retry. Lambda's async invoke retries twice (after ~1 and ~2 min). */
  retryDelaysMs?: number[];
  functionTimeoutMs?: number;
  log: Log;
  describe?: (event: E) => string;
}

export interface AsyncInvoker<E> {
  push(event: E): void;
  /** Resolves once nothing is queued or running; rejects if that has not happened by `timeoutMs`. */
  idle(timeoutMs?: number): Promise<void>;
  /** Drops queued events, cancels retry pauses and waits for running invocations. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Asynchronous invocation the way S3 notifications reach Lambda: fire and forget for the
 * caller, bounded concurrency, and a failed invocation retried twice before it is dropped.
 * A handler error is logged and never reaches the caller. Lambda scales out per event; here two
 * slots stand in for that, so they are shared fairly between groups (see `group`).
 */
export function createAsyncInvoker<E>(options: AsyncInvokerOptions<E>): AsyncInvoker<E> {
  const { name, log } = options;
  const concurrency = options.concurrency ?? 2;
  const delays = options.retryDelaysMs ?? [1000, 2000];
  const describe = options.describe ?? (() => "event");
  const group = options.group ?? (() => "");
  /** Waiting events by group; a Map keeps the groups in turn order. */
  const queues = new Map<string, E[]>();
  const runningBy = new Map<string, number>();
  let queued = 0;
  /** Events whose group is still being looked up. */
  let resolving = 0;
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let waiters: Array<() => void> = [];

  async function run(event: E) {
    const label = describe(event);
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      try {
        const context = lambdaContext(name, options.functionTimeoutMs ?? 900_000);
        const invoke = () => options.handler(event, context);
        await (options.function ? AwsRecord.as(options.function, invoke) : invoke());
        return;
      } catch (error) {
        if (attempt === delays.length || abort.signal.aborted) {
          log.error(
            { err: error },
            `${name}: ${label} failed after ${attempt + 1} attempts, dropped`,
          );
          if (options.function && options.onFailure) {
            AwsRecord.noteAs(options.function, options.onFailure, ["sqs:SendMessage"]);
          }
          return;
        }
        log.warn({ err: error }, `${name}: ${label} failed (attempt ${attempt + 1}), retrying`);
        await sleep(delays[attempt]!, abort.signal);
      }
    }
  }

  /** The waiting group with the fewest running; the earliest in turn among equals. */
  function nextGroup(): string | undefined {
    let best: string | undefined;
    for (const key of queues.keys()) {
      if (best === undefined || (runningBy.get(key) ?? 0) < (runningBy.get(best) ?? 0)) best = key;
    }
    return best;
  }

  function take(key: string): E {
    const events = queues.get(key)!;
    const event = events.shift()!;
    queued--;
    // To the back of the turn order, or out of it once empty.
    queues.delete(key);
    if (events.length) queues.set(key, events);
    return event;
  }

  const busy = () => running.size > 0 || queued > 0 || resolving > 0;

  function pump() {
    for (let key = nextGroup(); key !== undefined; key = nextGroup()) {
      if (running.size >= concurrency || abort.signal.aborted) break;
      const event = take(key);
      runningBy.set(key, (runningBy.get(key) ?? 0) + 1);
      const task = run(event).finally(() => {
        running.delete(task);
        runningBy.set(key, runningBy.get(key)! - 1);
        pump();
      });
      running.add(task);
    }
    if (!busy()) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  }

  async function enqueue(event: E) {
    const key = await Promise.resolve()
      .then(() => group(event))
      .catch((error: unknown) => {
        log.warn({ err: error }, `${name}: no group for ${describe(event)}, queued with the rest`);
        return "";
      })
      .finally(() => resolving--);
    if (abort.signal.aborted) return pump();
    // A group already waiting keeps its turn; a new one joins at the back.
    const events = queues.get(key);
    if (events) events.push(event);
    else queues.set(key, [event]);
    queued++;
    // Like S3, notify after the request that caused the event has been answered.
    setImmediate(pump);
  }

  function idle(timeoutMs = 60_000) {
    if (!busy()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== settled);
        reject(
          new Error(
            `${name}: not idle after ${timeoutMs} ms (${running.size} running, ${queued + resolving} queued)`,
          ),
        );
      }, timeoutMs);
      const settled = () => {
        clearTimeout(timer);
        resolve();
      };
      waiters.push(settled);
    });
  }

  return {
    push(event) {
      if (abort.signal.aborted) return;
      resolving++;
      void enqueue(event);
    },
    idle,
    async stop(timeoutMs = 30_000) {
      if (queued) log.warn(`${name}: ${queued} queued events dropped on shutdown`);
      queues.clear();
      queued = 0;
      abort.abort();
      // Shutting down goes on regardless; a handler still running is only worth a warning.
      await idle(timeoutMs).catch((error: Error) => log.warn(error.message));
    },
  };
}
