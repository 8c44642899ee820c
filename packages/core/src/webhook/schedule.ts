import { Config } from "../config";
import { Queue } from "../queue";

/** The delivery queue's longest message delay. */
export const maxQueueDelaySeconds = Queue.maxDelaySeconds;

/** An endpoint whose every attempt has failed for this long is disabled. */
export const disableAfterMs = 5 * 24 * 3600 * 1000;

/**
 * When attempts happen. `schedule[n]` is the wait before attempt n (0-based) counted from the
 * end of attempt n-1; there are `schedule.length` attempts in all. With the default, the last
 * attempt comes about 27.5 hours after the first.
 */
export namespace Schedule {
  export const get = () => Config.get().RUSHES_WEBHOOK_RETRY_SCHEDULE_SECONDS;

  /** When attempt `next` is due after a failure at `now`, or undefined when none is left. */
  export function nextAttemptAt(next: number, now: number, schedule = get()): number | undefined {
    const wait = schedule[next];
    return wait === undefined ? undefined : now + wait * 1000;
  }

  /** The SQS delay for a message due at `dueAt`: the whole wait, or the longest SQS allows. */
  export function queueDelaySeconds(dueAt: number, now: number): number {
    return Math.min(maxQueueDelaySeconds, Math.max(0, Math.ceil((dueAt - now) / 1000)));
  }
}
