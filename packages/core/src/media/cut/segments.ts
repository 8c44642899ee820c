/**
 * Which part of which recording fills each stretch of a clip window. Pure, so the clip worker
 * can decide "covered or not yet" with the same rule the cutter uses.
 */
export namespace Segments {
  /** What the timeline needs of a recording. */
  export type Span = {
    /** Epoch ms of the first frame. */
    recordedAt: number;
    durationMs: number;
  };

  export type Recording = Span & { path: string; width: number; height: number };

  /** `fromMs`/`toMs` are offsets inside the recording; `at` is where the part starts (epoch ms). */
  export type Part<R extends Span = Recording> = {
    recording: R;
    fromMs: number;
    toMs: number;
    at: number;
  };

  /** Uncovered stretches up to this long (between recordings or at the edges) are tolerated. */
  export const maxGapMs = 1000;

  /**
   * Parts in timeline order. Where recordings overlap, the later one takes over from its first
   * frame, so only the first part ever starts mid-file (one inpoint, one pre-roll to trim).
   */
  export function plan<R extends Span = Recording>(
    recordings: R[],
    startAt: number,
    endAt: number,
  ): Part<R>[] {
    const sorted = recordings
      .filter((r) => r.recordedAt < endAt && r.recordedAt + r.durationMs > startAt)
      .sort((a, b) => a.recordedAt - b.recordedAt);
    const parts: { recording: R; from: number; to: number }[] = [];
    for (const recording of sorted) {
      const start = recording.recordedAt;
      const to = Math.min(endAt, start + recording.durationMs);
      while (true) {
        const last = parts.at(-1);
        if (!last) {
          parts.push({ recording, from: Math.max(startAt, start), to });
          break;
        }
        if (to <= last.to) break;
        if (start >= last.to) {
          parts.push({ recording, from: start, to });
          break;
        }
        if (start > last.from) {
          last.to = start;
          parts.push({ recording, from: start, to });
          break;
        }
        parts.pop();
      }
    }
    return parts.map(({ recording, from, to }) => ({
      recording,
      fromMs: from - recording.recordedAt,
      toMs: to - recording.recordedAt,
      at: from,
    }));
  }

  export type Gap = { startAt: number; endAt: number };

  /**
   * Stretches of [startAt, endAt] that no part covers, longer than `maxGapMs`; shorter ones count
   * as covered. The one definition of "covered": the clip worker waits on it and the recordings
   * listing reports it.
   */
  export function gaps<R extends Span>(parts: Part<R>[], startAt: number, endAt: number): Gap[] {
    const found: Gap[] = [];
    let cursor = startAt;
    for (const part of parts) {
      if (part.at - cursor > maxGapMs) found.push({ startAt: cursor, endAt: part.at });
      cursor = Math.max(cursor, part.at + (part.toMs - part.fromMs));
    }
    if (endAt - cursor > maxGapMs) found.push({ startAt: cursor, endAt });
    return found;
  }

  export function covers<R extends Span>(parts: Part<R>[], startAt: number, endAt: number) {
    return parts.length > 0 && gaps(parts, startAt, endAt).length === 0;
  }
}
