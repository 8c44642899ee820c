import type { ClipItem } from "./clip/schema";
import { conditional } from "./conditional";
import { Config } from "./config";
import { Dynamo } from "./dynamo";
import { Events } from "./event";
import { createId } from "./id";
import { logger } from "./log";
import { Slots } from "./quota/slots";
import { ObjectKeys, Storage } from "./storage";
import { uploadGraceMs as grace, type VideoItem } from "./video/schema";

/**
 * Every status change of a video or a clip happens here, and nowhere else.
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

  export type OutboxEntry = {
    eventId: string;
    /** The history type: the new status. */
    type: string;
    at: number;
    detail?: unknown;
    /** The domain event (an `Events.Type`) this change emits, if its status declares one. */
    event?: string;
  };

  /** Where a fault is injected in tests: after the status write, the history put, the publish. */
  export type FaultPoint = "status" | "history" | "publish";
  type FaultHook = (point: FaultPoint, at: { id: string; entry: OutboxEntry }) => void;
  let fault: FaultHook | undefined;

  /** Test-only: `hook` runs after each write and may throw to simulate a crash right there. */
  export function injectFault(hook: FaultHook | undefined) {
    fault = hook;
  }

  type Op = {
    eq(attr: unknown, value: unknown): string;
    lt(attr: unknown, value: unknown): string;
    notExists(attr: unknown): string;
    size(attr: unknown): string;
    escape(value: unknown): string;
  };
  type Attr = Record<string, unknown>;
  /** The part of an ElectroDB patch chain this module uses, the same for both entities. */
  interface Patch {
    set(values: Record<string, unknown>): Patch;
    add(values: Record<string, number>): Patch;
    append(values: Record<string, unknown[]>): Patch;
    remove(attributes: string[]): Patch;
    where(condition: (attr: Attr, op: Op) => string): Patch;
    go(options: { response: "all_new" }): Promise<{ data: unknown }>;
  }

  type Item = {
    status: string;
    attempts?: number;
    processingStartedAt?: number;
    dueAt?: number;
    outbox?: OutboxEntry[];
  };

  /** What differs between videos and clips; everything else is shared. */
  export interface Kind<I extends Item, S extends string> {
    name: "video" | "clip";
    id(item: I): string;
    load(id: string): Promise<I | undefined>;
    patch(item: I): Patch;
    /** When each status's wait ends, for the statuses the sweep watches. */
    due: Partial<Record<S, (item: I, now: number) => number>>;
    /** The event each status emits, e.g. video `ready` → `video.ready`. */
    events: Partial<Record<S, Events.Type>>;
    properties(item: I): Promise<Record<string, unknown>>;
    /** Where history lines are kept; clips keep none, so only their events use the outbox. */
    history?: {
      put(id: string, entry: OutboxEntry): Promise<void>;
      remove(id: string, entries: OutboxEntry[]): Promise<void>;
    };
  }

  export type Change<I, S extends string> = {
    from: readonly S[];
    to: S;
    set?: Partial<I>;
    /** The history line's detail. */
    detail?: unknown;
    /** Takes the processing lease: counts an attempt (bounded, if told) and starts the clock. */
    lease?: { maxAttempts?: number };
    /** `processing` in `from` counts only once its lease has run out (a dead worker's). */
    staleOnly?: boolean;
    /** A further condition the record must meet, ANDed with the expected status. */
    where?: (attr: Attr, op: Op) => string;
    /** Overrides when this status's wait ends (an expired own lease, a MediaConvert deadline). */
    dueAt?: number;
    now?: number;
  };

  /** The lease clock: when a lease taken at `now` runs out. Written once, used by both kinds. */
  export const leaseEnd = (now: number) =>
    now + Config.get().RUSHES_PROCESSING_TIMEOUT_SECONDS * 1000;

  /**
   * Moves the record to `change.to` if its status is still one of `change.from`; returns the
   * new record, or undefined if it lost the race (or is gone). Publishes right after.
   */
  export async function transition<I extends Item, S extends string>(
    kind: Kind<I, S>,
    item: I,
    change: Change<I, S>,
  ): Promise<I | undefined> {
    const now = change.now ?? Date.now();
    const event = kind.events[change.to];
    const entry: OutboxEntry | undefined =
      kind.history || event
        ? {
            eventId: createId("event", now),
            type: change.to,
            at: now,
            ...(change.detail === undefined ? {} : { detail: change.detail }),
            ...(event ? { event } : {}),
          }
        : undefined;
    const dueFn = kind.due[change.to];
    const dueAt = change.dueAt ?? (dueFn ? dueFn(item, now) : entry ? now : undefined);
    const scope = entry ? `${kind.name}/outbox` : dueFn ? `${kind.name}/${change.to}` : undefined;

    let patch = kind.patch(item).set({
      status: change.to,
      ...change.set,
      ...(change.lease ? { processingStartedAt: now } : {}),
      ...(scope && dueAt !== undefined ? { dueScope: scope, dueAt } : {}),
    });
    if (!scope) patch = patch.remove(["dueScope", "dueAt"]);
    if (entry) patch = patch.append({ outbox: [entry] });
    if (change.lease) patch = patch.add({ attempts: 1 });
    const written = await conditional(
      patch
        .where((attr, op) => {
          const statuses = change.from.map((s) =>
            s === "processing" && change.staleOnly
              ? `(${op.eq(attr.status, s)} AND ${stale(attr, op, now)})`
              : op.eq(attr.status, s),
          );
          const expected = `(${statuses.join(" OR ")})`;
          const max = change.lease?.maxAttempts;
          const bounded =
            max === undefined ? expected : `${expected} AND ${op.lt(attr.attempts, max)}`;
          return change.where ? `${bounded} AND (${change.where(attr, op)})` : bounded;
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
    // Processing is over (and said so): its slot goes to the owner's next queued video (quota/slots.ts).
    const slotted = after as unknown as VideoItem;
    if (kind.name === "video" && slotted.slot !== undefined && !waiting(change.to)) {
      await Slots.release({ ...slotted, slot: slotted.slot }).catch((error: unknown) => {
        logger().warn({ err: error, videoId: kind.id(after) }, "slot release left to its lease");
      });
    }
    return after;
  }

  /** Statuses on the way to processing, which hold or wait for a slot. */
  const waiting = (status: string) => ["processing", "queued", "awaiting_upload"].includes(status);

  /** A lease has run out; records from before `dueAt` existed fall back to their start time. */
  function stale(attr: Attr, op: Op, now: number) {
    const legacy = now - Config.get().RUSHES_PROCESSING_TIMEOUT_SECONDS * 1000;
    return `(${op.lt(attr.dueAt, now)} OR (${op.notExists(attr.dueAt)} AND ${op.lt(
      attr.processingStartedAt,
      legacy,
    )}))`;
  }

  /** True when `item` holds a processing lease that has run out by `now`. */
  export function leaseExpired(item: Item, now = Date.now()) {
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
  export async function publish<I extends Item, S extends string>(
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
    const waits = kind.due[item.status as S] !== undefined && item.dueAt !== undefined;
    let patch = kind.patch(item).remove(waits ? ["outbox"] : ["outbox", "dueScope", "dueAt"]);
    if (waits) patch = patch.set({ dueScope: `${kind.name}/${item.status}`, dueAt: item.dueAt });
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

  type VideoStatus = VideoItem["status"];
  type ClipStatus = ClipItem["status"];

  export const video: Kind<VideoItem, VideoStatus> = {
    name: "video",
    id: (item) => item.videoId,
    async load(videoId) {
      const { data } = await Dynamo.entities.video.get({ videoId }).go();
      return (data as VideoItem | null) ?? undefined;
    },
    patch: (item) =>
      Dynamo.entities.video
        .patch({ videoId: item.videoId })
        .composite({ owner: item.owner }) as unknown as Patch,
    due: {
      awaiting_upload: (item) => item.uploadExpiresAt + uploadGraceMs(),
      // Due at once: the sweep hands free slots to queued videos whose hand-off was lost.
      queued: (_, now) => now,
      processing: (_, now) => leaseEnd(now),
    },
    events: {
      ready: "video.ready",
      failed: "video.failed",
      rejected: "video.rejected",
      // An upload that ends without a video: never made in time, or aborted by its owner.
      expired: "video.expired",
      cancelled: "video.cancelled",
    },
    async properties(item) {
      return {
        videoId: item.videoId,
        owner: item.owner,
        status: item.status,
        bucket: Storage.bucket(),
        ...(item.error ? { error: item.error } : {}),
        ...(item.status === "ready"
          ? {
              renditions: (item.renditions ?? []).map(({ name, width, height, key }) => ({
                name,
                width,
                height,
                key,
              })),
              thumbnails: item.thumbnails ?? [],
              ...(item.probe ? { durationMs: item.probe.durationMs } : {}),
              // The HLS ladder's keys and rungs, for subscribers that serve playback themselves.
              ...(item.hls
                ? {
                    playback: {
                      hls: item.hls.masterKey,
                      rungs: item.hls.rungs,
                      ...(item.storyboard ? { storyboard: item.storyboard.key } : {}),
                    },
                  }
                : {}),
            }
          : {}),
      };
    },
    history: {
      async put(videoId, entry) {
        await Dynamo.entities.videoEvent
          .put({
            videoId,
            eventId: entry.eventId,
            type: entry.type,
            at: entry.at,
            ...(entry.detail === undefined ? {} : { detail: entry.detail }),
          })
          .go();
      },
      async remove(videoId, entries) {
        await Dynamo.entities.videoEvent
          .delete(entries.map((e) => ({ videoId, eventId: e.eventId })))
          .go();
      },
    },
  };

  export const clip: Kind<ClipItem, ClipStatus> = {
    name: "clip",
    id: (item) => item.clipId,
    async load(clipId) {
      const { data } = await Dynamo.entities.clip.get({ clipId }).go();
      return (data as ClipItem | null) ?? undefined;
    },
    patch: (item) => Dynamo.entities.clip.patch({ clipId: item.clipId }) as unknown as Patch,
    due: { processing: (_, now) => leaseEnd(now) },
    events: {
      available: "clip.available",
      not_available: "clip.not_available",
      out_of_range: "clip.not_available",
      failed: "clip.failed",
    },
    async properties(item) {
      const widths = (item.thumbnails ?? []).map((t) => t.width);
      return {
        clipId: item.clipId,
        owner: item.owner,
        cameraId: item.cameraId,
        startTimestampInMs: item.startAt,
        endTimestampInMs: item.endAt,
        status: item.status,
        bucket: Storage.bucket(),
        ...(item.output
          ? { clip: { key: item.output.key, url: await Storage.presignGet(item.output.key) } }
          : {}),
        ...(widths.length
          ? { thumbnail: { key: ObjectKeys.clipThumbnailPattern(item.clipId), sizes: widths } }
          : {}),
        ...(item.error ? { error: item.error } : {}),
      };
    },
  };
}
