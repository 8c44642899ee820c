import { describe, expect, it } from "vitest";
import { Live } from "../src/video/chunked/live";

describe("the live (EVENT) list of a chunked transcode", () => {
  it("lists the chunks done from the first without a gap: a late chunk stops it", () => {
    expect(Live.prefix([])).toBe(0);
    expect(Live.prefix([1, 2, 3])).toBe(0);
    expect(Live.prefix([0])).toBe(1);
    expect(Live.prefix([0, 1, 3, 4])).toBe(2);
    expect(Live.prefix([4, 3, 2, 1, 0])).toBe(5);
  });
});
