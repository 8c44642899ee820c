/**
 * Sending is a port. Domain code states what goes on which queue through a typed `Queue.Port`;
 * the transport (SQS, in packages/functions/src/queue.ts) is installed by each function that
 * sends, and by the local runtime. Core builds no SQS command.
 */
export namespace Queue {
  /** The queues rushes sends to. Each function installs a transport for the ones it uses. */
  export type Name = "clip" | "webhookDelivery" | "chunk" | "fetch" | "captions";

  /** The longest a message may be held back before its first receive (SQS: 15 minutes). */
  export const maxDelaySeconds = 900;

  /** A typed queue, as domain code sees it. */
  export interface Port<M> {
    /** Sends one message, held back `delaySeconds` (0 to `maxDelaySeconds`, rounded). */
    send(message: M, options?: { delaySeconds?: number }): Promise<void>;
    /** Sends every message, or throws when any was refused. */
    sendBatch(messages: M[]): Promise<void>;
    /** Makes a received message (by its receipt) come back `seconds` from now. */
    retryIn(receipt: string, seconds: number): Promise<void>;
  }

  /** What an adapter provides for one queue: bodies already serialized, delays already bounded. */
  export interface Transport {
    send(body: string, delaySeconds: number): Promise<void>;
    sendBatch(bodies: string[]): Promise<void>;
    retryIn(receipt: string, seconds: number): Promise<void>;
  }

  const transports = new Map<Name, Transport>();

  /**
   * Installs the transport for one queue. A `fallback` never replaces one already installed, so
   * a runtime that brings its own (a test's) keeps it when a handler module loads after it.
   */
  export function use(name: Name, transport: Transport, options: { fallback?: boolean } = {}) {
    if (options.fallback && transports.has(name)) return;
    transports.set(name, transport);
  }

  function transport(name: Name) {
    const found = transports.get(name);
    if (!found) throw new Error(`no transport installed for the ${name} queue`);
    return found;
  }

  /** A bounded whole number of seconds a queue accepts as a delay. */
  export function delay(seconds = 0) {
    return Math.min(maxDelaySeconds, Math.max(0, Math.round(seconds)));
  }

  /** The typed port for `name`; its transport is looked up when a message is sent. */
  export function port<M>(name: Name): Port<M> {
    return {
      send: (message, options = {}) =>
        transport(name).send(JSON.stringify(message), delay(options.delaySeconds)),
      sendBatch: async (messages) => {
        if (messages.length === 0) return;
        await transport(name).sendBatch(messages.map((m) => JSON.stringify(m)));
      },
      retryIn: (receipt, seconds) => transport(name).retryIn(receipt, Math.max(0, seconds)),
    };
  }
}
