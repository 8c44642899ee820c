import { clipKind } from "./clip/kind";
import { conditional } from "./conditional";
import { Config } from "./config";
import { Events } from "./event";
import { createId } from "./id";
import { logger } from "./log";
import { Move } from "./move";
import { videoKind } from "./video/kind";
import { uploadGraceMs as grace } from "./video/schema";

/**
 * Every status change of a video or a clip happens here, and nowhere else, and only as one of
 * the moves its entity lists (video/moves.ts, clip/moves.ts): any other move is refused.
 *
 * A change is one conditional UpdateItem on the record: the new status (only if the stored one
 * is still one of the expected ones, so duplicate and reordered events lose harmlessly), its
 * extra attributes, and an **outbox** entry appended to the record in the same write. The entry
 * is the change's history line and, where the status declares one, its domain event, under one
 * id (`evt_…`, a ULID). Nothing else has to succeed for the change to be durable.
 *
 * A publisher then finishes the entry: it puts the history item under that id (an idempotent
 * put), publishes the event to SNS with that id as the envelope's `id`, and removes the entry
 * with a conditional write. It runs right after the change; if the process dies anywhere in
 * between, the entry stays on the record and the sweep (core/src/sweep.ts) finishes it. So an
 * event is published at least once, always with the same id, and consumers dedupe by `id`.
 *
 * DynamoDB transactions would also make the writes atomic, but the local stand-in has none;
 * this works on both, in one single-item write.
 *
 * The sweep finds records through one sparse index (`byDue`): `dueScope` names what the record
 * waits for (`video/awaiting_upload`, `video/processing`, `clip/processing`, or `…/outbox` while
 * an entry is unsent) and `dueAt` is when that wait is over: the upload's expiry plus a grace, the
 * end of a processing lease. Settled records without unsent entries leave the index.
 */
export namespace Lifecycle {
  /** Unfinished uploads become `expired` this long after the presigned POST stops working. */
  export const uploadGraceMs = grace;

  export type OutboxEntry = Move.OutboxEntry;
  export type Kind<I extends Move.Item, S extends string> = Move.Kind<I, S>;

  /** Where a fault is injected in tests: after the status write, the history put, the publish. */
  export type FaultPoint = "status" | "history" | "publish";
  type FaultHook = (point: FaultPoint, at: { id: string; entry: OutboxEntry }) => void;
  let fault: FaultHook | undefined;

  /** Test-only: `hook` runs after each write and may throw to simulate a crash right there. */
  export function injectFault(hook: FaultHook | undefined) {
    fault = hook;
  }

  /** What a call site adds to the move it names. */
  export type Options<I> = {
    set?: Partial<I>;
    /** The history line's detail. */
    detail?: unknown;
    /** A further condition the record must meet, ANDed with the expected status. */
    where?: (attr: Move.Attr, op: Move.Op) => string;
    now?: number;
  };

  /** The lease clock: when a lease taken at `now` runs out. */
  export const leaseEnd = Move.leaseEnd;

  /**
   * Performs `rule`, one of `kind`'s listed moves: the record goes to `rule.to` if its status is
   * still one of `rule.from`. Returns the new record, or undefined if it lost the race (or is
   * gone). Publishes right after. Throws for a move the entity's table does not list.
   */
  export async function move<I extends Move.Item, S extends string>(
    kind: Kind<I, S>,
    item: I,
    rule: Move.Rule<S>,
    options: Options<I> = {},
  ): Promise<I | undefined> {
    if (!Object.values(kind.table.moves).includes(rule)) {
      throw new Error(`${kind.name}: ${rule.from.join("|")} -> ${rule.to} is not a listed move`);
    }
    const now = options.now ?? Date.now();
    const event = rule.event;
    const entry: OutboxEntry | undefined =
      kind.history || event
        ? {
            eventId: createId("event", now),
            type: rule.history ?? rule.to,
            at: now,
            ...(options.detail === undefined ? {} : { detail: options.detail }),
            ...(event ? { event } : {}),
          }
        : undefined;
    const waits = kind.table.waits[rule.to];
    const dueAt = Move.dueOf(rule, now) ?? (waits ? waits(item, now) : entry ? now : undefined);
    const scope = entry
      ? Move.scope(kind.name, "outbox")
      : waits
        ? Move.scope(kind.name, rule.to)
        : undefined;

    let patch = kind.patch(item).set({
      status: rule.to,
      ...options.set,
      ...(rule.lease ? { processingStartedAt: now } : {}),
      ...(scope && dueAt !== undefined ? { dueScope: scope, dueAt } : {}),
    });
    if (!scope) patch = patch.remove(["dueScope", "dueAt"]);
    if (entry) patch = patch.append({ outbox: [entry] });
    if (rule.lease) patch = patch.add({ attempts: 1 });
    const written = await conditional(
      patch
        .where((attr, op) => {
          const statuses = rule.from.map((s) =>
            s === "processing" && rule.staleOnly
              ? `(${op.eq(attr.status, s)} AND ${stale(attr, op, now)})`
              : op.eq(attr.status, s),
          );
          const expected = `(${statuses.join(" OR ")})`;
          const bounded = rule.lease?.bounded
            ? `${expected} AND ${op.lt(attr.attempts, Config.get().RUSHES_MAX_ATTEMPTS)}`
            : expected;
          return options.where ? `${bounded} AND (${options.where(attr, op)})` : bounded;
        })
        .go({ response: "all_new" }),
    );
    if (!written) return undefined;
    const after = written.data as I;
    if (entry) fault?.("status", { id: kind.id(after), entry });
    await publish(kind, after).catch((error: unknown) => {
      // The change is durable and its entry stays on the record: the sweep publishes it.
      logger().warn(
        { err: error, [`${kind.name}Id`]: kind.id(after) },
        "outbox left for the sweep",
      );
    });
    return after;
  }

  /** A lease has run out; records from before `dueAt` existed fall back to their start time. */
  function stale(attr: Move.Attr, op: Move.Op, now: number) {
    const legacy = now - Config.get().RUSHES_PROCESSING_TIMEOUT_SECONDS * 1000;
    return `(${op.lt(attr.dueAt, now)} OR (${op.notExists(attr.dueAt)} AND ${op.lt(
      attr.processingStartedAt,
      legacy,
    )}))`;
  }

  /** True when `item` holds a processing lease that has run out by `now`. */
  export function leaseExpired(item: Move.Item, now = Date.now()) {
    if (item.status !== "processing") return false;
    if (item.dueAt !== undefined) return item.dueAt < now;
    return (
      (item.processingStartedAt ?? 0) < now - Config.get().RUSHES_PROCESSING_TIMEOUT_SECONDS * 1000
    );
  }

  /**
   * Finishes the record's unsent outbox entries: history put, SNS publish (both keyed by the
   * entry's id, so a repeat is harmless), then a conditional removal. Returns how many it sent.
   */
  export async function publish<I extends Move.Item, S extends string>(
    kind: Kind<I, S>,
    item: I,
  ): Promise<number> {
    const entries = item.outbox ?? [];
    if (!entries.length) return 0;
    const id = kind.id(item);
    for (const entry of entries) {
      await kind.history?.put(id, entry);
      fault?.("history", { id, entry });
      if (entry.event) {
        const properties = (await kind.properties(item)) as Events.Properties<Events.Type>;
        await Events.publish(entry.event as Events.Type, entry, properties);
        fault?.("publish", { id, entry });
      }
    }
    // Back to waiting for what the status waits for, or off the index once settled.
    const waits = kind.table.waits[item.status as S] !== undefined && item.dueAt !== undefined;
    let patch = kind.patch(item).remove(waits ? ["outbox"] : ["outbox", "dueScope", "dueAt"]);
    if (waits)
      patch = patch.set({ dueScope: Move.scope(kind.name, item.status), dueAt: item.dueAt });
    const cleared = await conditional(
      patch
        .where(
          (attr, op) =>
            `${op.size(attr.outbox)} = ${op.escape(entries.length)} AND ${op.eq(attr.status, item.status)}`,
        )
        .go({ response: "all_new" }),
    );
    if (!cleared && !(await kind.load(id))) {
      // Deleted meanwhile: the history lines just put would outlive their record.
      await kind.history?.remove(id, entries);
    }
    return entries.length;
  }

  export const video = videoKind;
  export const clip = clipKind;
}
