/** Footage gaps up to this long still count as continuous. */
export const maxGapMs = 1000;

export interface Span {
  recordedAt: number;
  endsAt: number;
}

/**
 * Picks, in order, the recordings that cover [start, end], or undefined when the footage
 * does not reach (yet). Overlapping recordings are fine; a recording that adds nothing new
 * is skipped.
 */
export function cover<T extends Span>(
  recordings: T[],
  start: number,
  end: number,
): T[] | undefined {
  const sorted = [...recordings].sort((a, b) => a.recordedAt - b.recordedAt);
  const picked: T[] = [];
  let reached = start;
  for (const recording of sorted) {
    if (recording.endsAt <= reached) continue;
    if (recording.recordedAt > reached + maxGapMs) break;
    picked.push(recording);
    reached = recording.endsAt;
    if (reached + maxGapMs >= end) return picked;
  }
  return undefined;
}
