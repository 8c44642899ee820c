import type { Events } from "@rushes/core/event";
import type { Log } from "./log";
import type { SqsHandler } from "./sqs-poller";

export type Envelope = Events.Envelope;

export interface SnsTapOptions {
  log: Log;
  /** Validates a published message; anything else is logged and skipped. */
  parse: (message: unknown) => Envelope | undefined;
  onEnvelope: (envelope: Envelope) => void;
}

export interface SnsTap {
  /** Handles batches from the queue subscribed to the topic. */
  handler: SqsHandler;
}

/** `RUSHES_LOCAL_WEBHOOKS`: comma-separated http(s) URLs to register for the dev owner. */
export function parseWebhooks(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((url) => url.trim())
    .filter((url) => {
      if (!url) return false;
      try {
        return ["http:", "https:"].includes(new URL(url).protocol);
      } catch {
        return false;
      }
    });
}

/**
 * A stand-in subscriber that watches the topic: each message gets one log line and is kept for
 * tests (`runtime.events`). Webhooks have their own subscription (webhooks.ts), as deployed.
 */
export function createSnsTap(options: SnsTapOptions): SnsTap {
  const { log } = options;

  const handler: SqsHandler = async (event) => {
    for (const record of event.Records) {
      const envelope = read(record.body);
      if (!envelope) {
        log.warn(
          `sns: skipped a message that is not an event envelope: ${record.body.slice(0, 200)}`,
        );
        continue;
      }
      log.info(`sns ${envelope.type} ${describe(envelope)}`);
      options.onEnvelope(envelope);
    }
  };

  function read(body: string): Envelope | undefined {
    try {
      const notification = JSON.parse(body) as { Type?: string; Message?: string };
      const message = notification.Type === "Notification" ? notification.Message : body;
      return options.parse(JSON.parse(message ?? ""));
    } catch {
      return undefined;
    }
  }

  return { handler };
}

/** The subject and status of an event, e.g. `vid_01j… status=ready`. */
function describe(envelope: Envelope): string {
  const p = envelope.properties as Record<string, unknown>;
  const subject = p.videoId ?? p.clipId ?? envelope.id;
  const parts = [String(subject)];
  if (p.status) parts.push(`status=${p.status}`);
  if (p.owner) parts.push(`owner=${p.owner}`);
  const error = p.error as { code?: string } | undefined;
  if (error?.code) parts.push(`error=${error.code}`);
  return parts.join(" ");
}

export interface EventLog {
  /** The most recent events, oldest first (capped, so a long session stays small). */
  events: Envelope[];
  push(envelope: Envelope): void;
  /** The first event, seen or future, that matches; rejects after `timeoutMs`. */
  waitFor(predicate: (event: Envelope) => boolean, timeoutMs?: number): Promise<Envelope>;
}

export function createEventLog(max = 1000): EventLog {
  const events: Envelope[] = [];
  const waiters = new Set<(event: Envelope) => void>();
  return {
    events,
    push(envelope) {
      events.push(envelope);
      if (events.length > max) events.splice(0, events.length - max);
      for (const waiter of waiters) waiter(envelope);
    },
    waitFor(predicate, timeoutMs = 30_000) {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching event within ${timeoutMs} ms (${events.length} seen)`));
        }, timeoutMs);
        const waiter = (event: Envelope) => {
          if (!predicate(event)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(event);
        };
        waiters.add(waiter);
      });
    },
  };
}
