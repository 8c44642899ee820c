import { type LambdaHandler, lambdaContext, sleep } from "./lambda";
import type { Log } from "./log";

export interface AsyncInvokerOptions<E> {
  name: string;
  handler: LambdaHandler<E>;
  /** How many invocations run at once; the rest wait in order. */
  concurrency?: number;
  /** Pauses before each retry. Lambda's async invoke retries twice (after ~1 and ~2 min). */
  retryDelaysMs?: number[];
  functionTimeoutMs?: number;
  log: Log;
  describe?: (event: E) => string;
}

export interface AsyncInvoker<E> {
  push(event: E): void;
  /** Resolves once nothing is queued or running (or after `timeoutMs`). */
  idle(timeoutMs?: number): Promise<void>;
  /** Drops queued events, cancels retry pauses and waits for running invocations. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Asynchronous invocation the way S3 notifications reach Lambda: fire and forget for the
 * caller, bounded concurrency, and a failed invocation retried twice before it is dropped.
 * A handler error is logged and never reaches the caller.
 */
export function createAsyncInvoker<E>(options: AsyncInvokerOptions<E>): AsyncInvoker<E> {
  const { name, log } = options;
  const concurrency = options.concurrency ?? 2;
  const delays = options.retryDelaysMs ?? [1000, 2000];
  const describe = options.describe ?? (() => "event");
  const queue: E[] = [];
  const running = new Set<Promise<void>>();
  const abort = new AbortController();
  let waiters: Array<() => void> = [];

  async function run(event: E) {
    const label = describe(event);
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      try {
        await options.handler(event, lambdaContext(name, options.functionTimeoutMs ?? 900_000));
        return;
      } catch (error) {
        if (attempt === delays.length || abort.signal.aborted) {
          log.error(
            { err: error },
            `${name}: ${label} failed after ${attempt + 1} attempts, dropped`,
          );
          return;
        }
        log.warn({ err: error }, `${name}: ${label} failed (attempt ${attempt + 1}), retrying`);
        await sleep(delays[attempt]!, abort.signal);
      }
    }
  }

  function pump() {
    while (running.size < concurrency && queue.length && !abort.signal.aborted) {
      const task = run(queue.shift()!).finally(() => {
        running.delete(task);
        pump();
      });
      running.add(task);
    }
    if (!running.size && !queue.length) {
      for (const resolve of waiters) resolve();
      waiters = [];
    }
  }

  function idle(timeoutMs = 60_000) {
    if (!running.size && !queue.length) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  return {
    push(event) {
      if (abort.signal.aborted) return;
      queue.push(event);
      // Like S3, notify after the request that caused the event has been answered.
      setImmediate(pump);
    },
    idle,
    async stop(timeoutMs = 30_000) {
      if (queue.length) log.warn(`${name}: ${queue.length} queued events dropped on shutdown`);
      queue.length = 0;
      abort.abort();
      await idle(timeoutMs);
    },
  };
}
