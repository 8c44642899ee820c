import { describe, expect, it } from "vitest";
import { Chunked } from "../src/video/chunked";

describe("Chunked.retryDelaySeconds", () => {
  const low = () => 0;
  const high = () => 0.999_999;

  it("doubles with each receive, from the base, within [half, whole] of the step", () => {
    expect([1, 2, 3, 4].map((n) => Chunked.retryDelaySeconds(n, 20, high))).toEqual([
      20, 40, 80, 160,
    ]);
    expect([1, 2, 3, 4].map((n) => Chunked.retryDelaySeconds(n, 20, low))).toEqual([
      10, 20, 40, 80,
    ]);
  });

  it("is capped at 5 minutes however many receives, and never 0", () => {
    for (const receives of [10, 30, 1000]) {
      expect(Chunked.retryDelaySeconds(receives, 20, high)).toBe(300);
      expect(Chunked.retryDelaySeconds(receives, 20, low)).toBe(150);
    }
    expect(Chunked.retryDelaySeconds(1, 1, low)).toBe(1);
    expect(Chunked.retryDelaySeconds(0, 1, low)).toBe(1);
  });
});
