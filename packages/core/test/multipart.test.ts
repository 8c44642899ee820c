import { describe, expect, it } from "vitest";
import { Multipart } from "../src/storage/multipart";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

describe("Multipart.plan", () => {
  it.each([
    [1, 8 * MiB, 1],
    [8 * MiB, 8 * MiB, 1],
    [100 * MiB + 1, 8 * MiB, 13],
    [10_000 * 8 * MiB, 8 * MiB, 10_000],
    // One byte more no longer fits 10,000 parts of 8 MiB: the part grows by a whole MiB.
    [10_000 * 8 * MiB + 1, 9 * MiB, 8_889],
    [60 * GiB, 8 * MiB, 7_680],
    [5 * TiB, 525 * MiB, 9_987],
  ])("%i bytes → parts of %i bytes, %i of them", (bytes, partSize, partCount) => {
    const plan = Multipart.plan(bytes, 8 * MiB);
    expect(plan).toEqual({ partSize, partCount });
    expect(plan.partCount).toBeLessThanOrEqual(Multipart.maxParts);
    expect(plan.partSize * plan.partCount).toBeGreaterThanOrEqual(bytes);
    expect(plan.partSize).toBeLessThanOrEqual(Multipart.maxPartBytes);
  });

  it("never hands out parts below S3's 5 MiB minimum", () => {
    expect(Multipart.plan(100 * MiB, 1).partSize).toBe(5 * MiB);
  });
});
