import { describe, expect, it } from "vitest";
import { Segments } from "../../src/media/cut/segments";

const span = (recordedAt: number, durationMs: number) => ({ recordedAt, durationMs });
const gaps = (spans: Segments.Span[], start: number, end: number) =>
  Segments.gaps(Segments.plan(spans, start, end), start, end);

describe("Segments.gaps: the one rule for covered", () => {
  it("reports uncovered stretches over 1 s, at the edges and between recordings", () => {
    expect(gaps([span(2000, 3000), span(10_000, 5000)], 0, 20_000)).toEqual([
      { startAt: 0, endAt: 2000 },
      { startAt: 5000, endAt: 10_000 },
      { startAt: 15_000, endAt: 20_000 },
    ]);
  });

  it("tolerates gaps of up to 1 s, as the clip worker does", () => {
    const spans = [span(0, 5000), span(6000, 4000)];
    expect(gaps(spans, 0, 10_000)).toEqual([]);
    expect(Segments.covers(Segments.plan(spans, 0, 10_000), 0, 10_000)).toBe(true);
    const wider = [span(0, 5000), span(6001, 3999)];
    expect(gaps(wider, 0, 10_000)).toEqual([{ startAt: 5000, endAt: 6001 }]);
    expect(Segments.covers(Segments.plan(wider, 0, 10_000), 0, 10_000)).toBe(false);
  });

  it("treats overlapping and nested recordings as one covered stretch", () => {
    expect(gaps([span(0, 10_000), span(2000, 3000), span(8000, 4000)], 0, 12_000)).toEqual([]);
  });

  it("is one gap for a window with no recordings, and never covered", () => {
    expect(gaps([], 0, 500)).toEqual([]);
    expect(Segments.covers([], 0, 500)).toBe(false);
    expect(gaps([], 0, 5000)).toEqual([{ startAt: 0, endAt: 5000 }]);
  });
});
