import { Config } from "./config";

/**
 * The contract between an entity and the lifecycle: the status moves an entity allows, as data
 * beside its schema (video/moves.ts, clip/moves.ts). `Lifecycle.move` refuses any other move.
 */
export namespace Move {
  /** One allowed status change. */
  export type Rule<S extends string = string> = {
    from: readonly S[];
    to: S;
    /** The domain event (an `Events.Type`) this move emits; it goes through the outbox. */
    event?: string;
    /** Takes the processing lease: counts an attempt (bounded by RUSHES_MAX_ATTEMPTS if told). */
    lease?: { bounded: boolean };
    /** `processing` in `from` counts only once its lease has run out (a dead worker's). */
    staleOnly?: boolean;
    /**
     * When the record's wait in `to` ends, if not the status's own rule (`Table.waits`): its own
     * lease given up, a MediaConvert job's deadline.
     */
    due?: "now" | "past" | "job";
    /** The history line's type, where it is not the new status (a milestone within one status). */
    history?: string;
  };

  /** An entity's moves, by name, and how long each status that the sweep watches waits. */
  export type Table<S extends string, I> = {
    name: "video" | "clip";
    moves: Record<string, Rule<S>>;
    /** When each watched status's wait ends: a record in it sits on the sweep's `byDue` index. */
    waits: Partial<Record<S, (item: I, now: number) => number>>;
  };

  /** The lease clock: when a lease taken at `now` runs out. Written once, used by both kinds. */
  export const leaseEnd = (now: number) =>
    now + Config.get().RUSHES_PROCESSING_TIMEOUT_SECONDS * 1000;

  /** When a move's own due rule says the wait ends. */
  export function dueOf(rule: Rule, now: number): number | undefined {
    if (rule.due === "now") return now;
    if (rule.due === "past") return now - 1;
    if (rule.due === "job") return now + Config.get().RUSHES_MEDIACONVERT_TIMEOUT_SECONDS * 1000;
    return undefined;
  }

  /** The `byDue` scope of a record waiting in `status` (or `outbox` while an entry is unsent). */
  export const scope = (name: "video" | "clip", status: string) => `${name}/${status}`;

  export type OutboxEntry = {
    eventId: string;
    /** The history type: the new status. */
    type: string;
    at: number;
    detail?: unknown;
    /** The domain event (an `Events.Type`) this change emits, if its move declares one. */
    event?: string;
  };

  export type Op = {
    eq(attr: unknown, value: unknown): string;
    lt(attr: unknown, value: unknown): string;
    notExists(attr: unknown): string;
    size(attr: unknown): string;
    escape(value: unknown): string;
  };
  export type Attr = Record<string, unknown>;
  /** The part of an ElectroDB patch chain the lifecycle uses, the same for both entities. */
  export interface Patch {
    set(values: Record<string, unknown>): Patch;
    add(values: Record<string, number>): Patch;
    append(values: Record<string, unknown[]>): Patch;
    remove(attributes: string[]): Patch;
    where(condition: (attr: Attr, op: Op) => string): Patch;
    go(options: { response: "all_new" }): Promise<{ data: unknown }>;
  }

  export type Item = {
    status: string;
    attempts?: number;
    processingStartedAt?: number;
    dueAt?: number;
    outbox?: OutboxEntry[];
  };

  /** What differs between videos and clips (video/kind.ts, clip/kind.ts); the rest is shared. */
  export interface Kind<I extends Item, S extends string> {
    name: "video" | "clip";
    id(item: I): string;
    load(id: string): Promise<I | undefined>;
    patch(item: I): Patch;
    table: Table<S, I>;
    properties(item: I): Promise<Record<string, unknown>>;
    /** Where history lines are kept; clips keep none, so only their events use the outbox. */
    history?: {
      put(id: string, entry: OutboxEntry): Promise<void>;
      remove(id: string, entries: OutboxEntry[]): Promise<void>;
    };
  }

  /** Every from → to arrow a table allows, e.g. for drawing or checking the state diagram. */
  export function arrows(table: { moves: Record<string, Rule> }): Array<[string, string]> {
    const seen = new Set<string>();
    const out: Array<[string, string]> = [];
    for (const rule of Object.values(table.moves)) {
      for (const from of rule.from) {
        const key = `${from}>${rule.to}`;
        if (!seen.has(key)) out.push([from, rule.to]);
        seen.add(key);
      }
    }
    return out;
  }
}
