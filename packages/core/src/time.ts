/** Instants: the bounds the API accepts, and ISO formatting that stored data cannot break. */
export namespace Time {
  /** 2000-01-01T00:00:00Z: nothing older is a plausible recording or clip instant. */
  export const earliest = Date.UTC(2000, 0, 1);
  /** Clocks drift: an instant may lie this far in the future, no further. */
  export const futureSlackMs = 24 * 60 * 60 * 1000;

  export const latest = (now = Date.now()) => now + futureSlackMs;

  export const inBounds = (ms: number, now = Date.now()) =>
    Number.isFinite(ms) && ms >= earliest && ms <= latest(now);

  /**
   * ISO 8601 for a stored epoch-ms value, or undefined when no Date can hold it. Never throws:
   * one bad stored value must not take down every listing it appears in.
   */
  export function iso(ms: unknown): string | undefined {
    if (typeof ms !== "number" || !Number.isFinite(ms)) return undefined;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }

  /** For instants the server always sets: a broken one reads as the Unix epoch, not a crash. */
  export const isoOrEpoch = (ms: unknown): string => iso(ms) ?? new Date(0).toISOString();
}
