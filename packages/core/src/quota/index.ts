import type { EntityItem } from "electrodb";
import * as z from "zod";
import { Actor } from "../actor";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";
import { fn } from "../fn";
import { Owner } from "../shapes";
import type { UsageEntity } from "./entity";
import { QuotaLimits } from "./limits";

/**
 * Per-owner cost bounds, the same locally and on AWS (everything lives in the table):
 * - `concurrentProcessing`: videos processing at once; the rest wait `queued` (`Slots`);
 * - `dailySourceMinutes`: source minutes accepted in any 24 hours, counted at the probe;
 * - `storageBytes`: sources plus outputs stored;
 * - `hourlyClips`: clip requests per UTC clock hour.
 * Defaults come from settings (RUSHES_QUOTA_*), the admin key overrides them per owner. Over a
 * quota is a 429 `quota_exceeded` naming the quota, its usage and its limit, with
 * `retryAfterSeconds` where time frees it. Usage is kept per UTC hour, summed per day.
 */
export namespace Quota {
  export const Names = QuotaLimits.Names;
  export type Name = QuotaLimits.Name;

  const Limit = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
  export const Limits = z
    .object({
      concurrentProcessing: Limit,
      dailySourceMinutes: Limit,
      storageBytes: Limit,
      hourlyClips: Limit,
    })
    .meta({ id: "QuotaLimits" });
  export type Limits = z.infer<typeof Limits>;

  const Override = Limit.nullable()
    .optional()
    .meta({ description: "A new limit for this owner; null returns it to the default" });
  /** The body of `PUT /v1/owners/:owner/quotas`: only the quotas named change. */
  export const Overrides = z
    .object({
      concurrentProcessing: Override,
      dailySourceMinutes: Override,
      storageBytes: Override,
      hourlyClips: Override,
    })
    .strict()
    .meta({ id: "QuotaOverrides" });
  export const SetInput = Overrides.extend({ owner: Owner });

  export const Day = z
    .object({
      date: z.string().meta({ example: "2026-12-07" }),
      sourceMinutes: z.number(),
      outputMinutes: z.number(),
      bytesStored: z.number(),
      clips: z.number(),
      processing: z.object({ gbSeconds: z.number(), mediaconvertMinutes: z.number() }),
    })
    .meta({ id: "UsageDay" });

  export const Usage = z
    .object({
      owner: z.string(),
      quotas: z.array(
        z.object({
          name: z.enum(Names),
          limit: z.number(),
          usage: z.number(),
          default: z.boolean(),
          retryAfterSeconds: z.number().optional(),
        }),
      ),
      days: z.array(Day).meta({ description: "The last 30 UTC days, oldest first" }),
    })
    .meta({ id: "Usage" });
  export type Usage = z.infer<typeof Usage>;

  type Hour = EntityItem<typeof UsageEntity>;
  const hourMs = 3600_000;
  export const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13);

  /** The owner's limits: their overrides, else the settings. */
  export const limits: (owner: string) => Promise<Limits & { overridden: Name[] }> = QuotaLimits.of;

  /** Admin only: sets (or, with null, clears) an owner's overrides. */
  export const set = fn(SetInput, async (input) => {
    Actor.assertAdmin();
    const { owner, ...changes } = input;
    const setting = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== null));
    const clearing = Object.entries(changes)
      .filter(([, v]) => v === null)
      .map(([k]) => k as Name);
    let update = Dynamo.entities.quota.update({ owner }).set(setting);
    if (clearing.length) update = update.remove(clearing);
    await update.go();
    // A raised limit frees slots at once: the owner's queue starts into them.
    if ("concurrentProcessing" in changes) {
      const { Slots } = await import("./slots");
      await Slots.handOff(owner);
    }
    return usage(owner);
  });

  function over(name: Name, used: number, limit: number, retryAfterSeconds?: number) {
    return new VisibleError(
      "quota",
      "quota_exceeded",
      `Over the ${name} quota: ${used} used of ${limit}`,
      undefined,
      { name, usage: used, limit, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) },
    );
  }

  async function hours(owner: string, fromMs: number, toMs: number): Promise<Hour[]> {
    const { data } = await Dynamo.entities.usage.query
      .byOwner({ owner })
      .between({ hour: hourOf(fromMs) }, { hour: hourOf(toMs) })
      .go({ pages: "all" });
    return data;
  }

  /** Source minutes of the last 24 clock hours, and when the oldest of them leaves the window. */
  async function sourceWindow(owner: string, now: number) {
    const window = await hours(owner, now - 23 * hourMs, now);
    const minutes = window.reduce((sum, h) => sum + (h.sourceMs ?? 0), 0) / 60_000;
    const oldest = window.find((h) => (h.sourceMs ?? 0) > 0);
    const frees = oldest ? Date.parse(`${oldest.hour}:00:00Z`) + 24 * hourMs : now;
    return { minutes, retryAfterSeconds: Math.max(1, Math.ceil((frees - now) / 1000)) };
  }

  const round = (n: number) => Math.round(n * 100) / 100;

  /** Refuses a new upload that storage or the day's source minutes cannot take (429). */
  export async function admitUpload(owner: string, bytes: number, now = Date.now()) {
    const limit = await limits(owner);
    const { data } = await Dynamo.entities.quota.get({ owner }).go();
    const stored = data?.bytesStored ?? 0;
    if (stored + bytes > limit.storageBytes) {
      throw over("storageBytes", stored + bytes, limit.storageBytes);
    }
    const window = await sourceWindow(owner, now);
    if (window.minutes >= limit.dailySourceMinutes) {
      throw over(
        "dailySourceMinutes",
        round(window.minutes),
        limit.dailySourceMinutes,
        window.retryAfterSeconds,
      );
    }
  }

  /**
   * Counts a probed source's minutes. Added first, then the window summed, so two sources
   * arriving together can never both pass a limit only one fits; over it, the minutes are
   * taken back and the error thrown (the video is then `rejected`).
   */
  export async function chargeSource(owner: string, durationMs: number, now = Date.now()) {
    const limit = (await limits(owner)).dailySourceMinutes;
    await add(owner, { sourceMs: durationMs }, now);
    const window = await sourceWindow(owner, now);
    if (window.minutes > limit) {
      await add(owner, { sourceMs: -durationMs }, now);
      throw over("dailySourceMinutes", round(window.minutes), limit, window.retryAfterSeconds);
    }
  }

  /** Counts a clip request against the hour's clips; over the limit it is taken back (429). */
  export async function chargeClip(owner: string, now = Date.now()) {
    const limit = (await limits(owner)).hourlyClips;
    const after = await add(owner, { clips: 1 }, now);
    if ((after.clips ?? 0) > limit) {
      await add(owner, { clips: -1 }, now);
      const nextHour = (Math.floor(now / hourMs) + 1) * hourMs;
      throw over("hourlyClips", (after.clips ?? 1) - 1, limit, Math.ceil((nextHour - now) / 1000));
    }
  }

  /** What one step of processing cost, and output minutes made, into the hour's usage. */
  export async function charge(
    owner: string,
    used: { gbSeconds?: number; mediaconvertMinutes?: number; outputMs?: number },
    now = Date.now(),
  ) {
    await add(owner, used, now);
  }

  /** Bytes now stored by `owner` grew (or shrank) by `delta`. */
  export async function stored(owner: string, delta: number, now = Date.now()) {
    if (!delta) return;
    const { data } = await Dynamo.entities.quota
      .update({ owner })
      .add({ bytesStored: delta })
      .go({ response: "all_new" });
    await Dynamo.entities.usage
      .update({ owner, hour: hourOf(now) })
      .set({ bytesStored: Math.max(0, data.bytesStored ?? 0) })
      .go();
  }

  async function add(owner: string, values: Record<string, number | undefined>, now: number) {
    const counters = Object.fromEntries(
      Object.entries(values).filter((e): e is [string, number] => e[1] !== undefined && e[1] !== 0),
    );
    const { data } = await Dynamo.entities.usage
      .update({ owner, hour: hourOf(now) })
      .add(counters)
      .go({ response: "all_new" });
    return data as Partial<Hour>;
  }

  /** The owner's usage against each quota now, and per-day totals for the last 30 days. */
  export async function usage(owner = Actor.owner(), now = Date.now()): Promise<Usage> {
    const [limit, record, items, window, active] = await Promise.all([
      limits(owner),
      Dynamo.entities.quota.get({ owner }).go(),
      hours(owner, now - 30 * 24 * hourMs, now),
      sourceWindow(owner, now),
      import("./slots").then(({ Slots }) => Slots.active(owner, now)),
    ]);
    const clipsNow = items.find((h) => h.hour === hourOf(now))?.clips ?? 0;
    const used: Record<Name, number> = {
      concurrentProcessing: active,
      dailySourceMinutes: round(window.minutes),
      storageBytes: Math.max(0, record.data?.bytesStored ?? 0),
      hourlyClips: clipsNow,
    };
    const quotas = Names.map((name) => ({
      name,
      limit: limit[name],
      usage: used[name],
      default: !limit.overridden.includes(name),
      ...(name === "dailySourceMinutes" && used[name] >= limit[name]
        ? { retryAfterSeconds: window.retryAfterSeconds }
        : {}),
    }));
    return { owner, quotas, days: days(items, now) };
  }

  function days(items: Hour[], now: number): z.infer<typeof Day>[] {
    const byDate = new Map<string, Hour[]>();
    for (const item of items) {
      const date = item.hour.slice(0, 10);
      byDate.set(date, [...(byDate.get(date) ?? []), item]);
    }
    let bytes = 0;
    const out: z.infer<typeof Day>[] = [];
    for (let i = 29; i >= 0; i--) {
      const date = new Date(now - i * 24 * hourMs).toISOString().slice(0, 10);
      const day = byDate.get(date) ?? [];
      const sum = (k: "sourceMs" | "outputMs" | "clips" | "gbSeconds" | "mediaconvertMinutes") =>
        day.reduce((total, h) => total + (h[k] ?? 0), 0);
      // Bytes stored is a level, not a flow: the day's last value, carried over quiet days.
      const last = day.filter((h) => h.bytesStored !== undefined).at(-1);
      if (last) bytes = last.bytesStored!;
      out.push({
        date,
        sourceMinutes: round(sum("sourceMs") / 60_000),
        outputMinutes: round(sum("outputMs") / 60_000),
        bytesStored: bytes,
        clips: sum("clips"),
        processing: {
          gbSeconds: round(sum("gbSeconds")),
          mediaconvertMinutes: round(sum("mediaconvertMinutes")),
        },
      });
    }
    return out;
  }
}
