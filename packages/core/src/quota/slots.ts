import { conditional } from "../conditional";
import { Dynamo } from "../dynamo";
import { logger } from "../log";
import { QuotaLimits } from "./limits";

/**
 * The concurrent-processing quota: an owner's processing slots, as items in the table, so the
 * same conditional writes bound an owner locally and on AWS with no process that runs for ever.
 *
 * - Ingest takes a slot before the processing lease (`take`); with none free the video waits
 *   `queued`. A slot is a lease too: past a short grace it holds only while its video is
 *   `processing` under a live lease, so a crashed worker's slot frees itself.
 * - The lifecycle releases the slot on every status that ends processing (`release`), and
 *   whoever releases hands the freed slots to the owner's oldest queued videos (`handOff`),
 *   through the redrive port: ingest's own entry, as the sweep re-drives a video.
 * - The sweep runs `handOff` for every owner with queued videos: a hand-off lost to a crash is
 *   only late, never lost.
 * Fairness between owners follows: each owner's slots are their own, so one owner's queue never
 * delays another owner's first video. Within an owner, the oldest queued starts first.
 */
export namespace Slots {
  type Redrive = (videoId: string) => Promise<void>;
  let redrive: Redrive | undefined;
  let fallback: Redrive | undefined;

  /**
   * How a hand-off reaches ingest. Entry points install their transport as a `fallback` (on AWS an
   * async invoke of Ingest); the local runtime installs its own, which wins whatever loads later.
   */
  export function useRedrive(to: Redrive | undefined, options: { fallback?: boolean } = {}) {
    const previous = options.fallback ? fallback : redrive;
    if (options.fallback) fallback = to;
    else redrive = to;
    return previous;
  }

  type Holder = { owner: string; videoId: string };
  type SlotItem = { owner: string; slot: number; videoId: string; until: number };

  async function slots(owner: string): Promise<SlotItem[]> {
    const { data } = await Dynamo.entities.slot.query.byOwner({ owner }).go({ pages: "all" });
    return data;
  }

  /** Between taking a slot and the lease's write, the slot holds on its own for this long. */
  export const graceMs = 30_000;

  /**
   * Whether a slot is still held: within its grace (`until`: the taker is about to write the
   * lease), or while its video is `processing` under a live lease. So a slot frees as soon as
   * its video ends, even if the process that ended it died before releasing, and when a dead
   * worker's lease runs out.
   */
  async function held(item: SlotItem, now: number): Promise<boolean> {
    if (item.until >= now) return true;
    const { data: video } = await Dynamo.entities.video.get({ videoId: item.videoId }).go();
    return video?.status === "processing" && (video.dueAt ?? 0) >= now;
  }

  /** How many of the owner's slots are held now. */
  export async function active(owner: string, now = Date.now()) {
    let count = 0;
    for (const item of await slots(owner)) if (await held(item, now)) count++;
    return count;
  }

  /** Takes one of the owner's slots for `video`: its number, or undefined when none is free. */
  export async function take(
    video: Holder & { status?: string },
    now = Date.now(),
  ): Promise<number | undefined> {
    const { owner, videoId } = video;
    const until = now + graceMs;
    const items = await slots(owner);
    const own = items.find((s) => s.videoId === videoId);
    if (own) {
      // A retry or a lease taken over: the video keeps its slot.
      const kept = await conditional(
        Dynamo.entities.slot
          .patch({ owner, slot: own.slot })
          .set({ until })
          .where((a, op) => op.eq(a.videoId, videoId))
          .go(),
      );
      return kept ? own.slot : undefined;
    }
    const limit = (await QuotaLimits.of(owner)).concurrentProcessing;
    const taken = new Map<number, SlotItem>();
    let holding = 0;
    for (const item of items) {
      if (await held(item, now)) holding++;
      else taken.set(item.slot, item);
    }
    if (holding >= limit) return undefined;
    // First in, first out: a queued video starts only among the oldest that fit the free slots
    // (a stray or repeated event for a younger one leaves it waiting its turn).
    if (video.status === "queued" && !(await queued(owner, limit - holding)).includes(videoId)) {
      return undefined;
    }
    const busy = new Set(items.map((s) => s.slot));
    for (let slot = 0; slot < limit; slot++) {
      const stale = taken.get(slot);
      if (busy.has(slot) && !stale) continue;
      // Conditional on what was read: two takers of one free slot cannot both win it.
      const won = stale
        ? await conditional(
            Dynamo.entities.slot
              .patch({ owner, slot })
              .set({ videoId, until })
              .where(
                (a, op) => `${op.eq(a.videoId, stale.videoId)} AND ${op.eq(a.until, stale.until)}`,
              )
              .go(),
          )
        : await conditional(Dynamo.entities.slot.create({ owner, slot, videoId, until }).go());
      if (won) return slot;
    }
    return undefined;
  }

  /** Frees the video's slot (conditional: only if still its own), then hands off the free ones. */
  export async function release(video: Holder & { slot: number }) {
    await conditional(
      Dynamo.entities.slot
        .delete({ owner: video.owner, slot: video.slot })
        .where((a, op) => op.eq(a.videoId, video.videoId))
        .go(),
    );
    await handOff(video.owner);
  }

  /** The owner's oldest queued videos, at most `limit`, oldest first (ids sort by creation). */
  export async function queued(owner: string, limit: number): Promise<string[]> {
    if (limit <= 0) return [];
    const { data } = await Dynamo.entities.video.query
      .byStatus({ owner, status: "queued" })
      .go({ limit, order: "asc", attributes: ["videoId"] });
    return data.map((v) => v.videoId);
  }

  /**
   * Starts as many of the owner's oldest queued videos as slots are free: each goes back to
   * ingest, which takes a slot or leaves it queued. Returns the ids sent.
   */
  export async function handOff(
    owner: string,
    now = Date.now(),
    through?: Redrive,
  ): Promise<string[]> {
    const limit = (await QuotaLimits.of(owner)).concurrentProcessing;
    const free = limit - (await active(owner, now));
    const next = await queued(owner, free);
    const send = through ?? redrive ?? fallback;
    for (const videoId of next) {
      if (!send) {
        logger().warn({ owner, videoId }, "no redrive port: the sweep will start this video");
        break;
      }
      await send(videoId).catch((error: unknown) =>
        logger().warn({ err: error, owner, videoId }, "hand-off failed; the sweep will retry"),
      );
    }
    return next;
  }
}
