import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Loudness } from "../../src/media/loudness";

// ebur128's summary as ffmpeg 4.1 and 5.1 both print it at the end of the run.
const summary = (i: string, peak: string, lra = "0.0") =>
  [
    "[Parsed_ebur128_2 @ 0x55a207f453c0] Summary:",
    "",
    "  Integrated loudness:",
    `    I:         ${i} LUFS`,
    "    Threshold: -40.1 LUFS",
    "",
    "  Loudness range:",
    `    LRA:         ${lra} LU`,
    "    Threshold: -50.2 LUFS",
    "    LRA low:   -31.6 LUFS",
    "    LRA high:  -29.8 LUFS",
    "",
    "  True peak:",
    `    Peak:       ${peak} dBFS`,
  ].join("\n");

describe("Loudness.gain", () => {
  it("is target minus integrated loudness when the peak has room", () => {
    expect(Loudness.gain({ integratedLufs: -30, truePeakDbtp: -20, lra: 3 }, -16)).toBe(14);
    expect(Loudness.gain({ integratedLufs: -10, truePeakDbtp: -1 }, -16)).toBe(-6);
  });

  it("is lowered so the true peak stays under the ceiling less the codec's headroom", () => {
    // +7 dB would put a -0.6 dBTP peak at +6.4: the gain stops the peak at -2 dBTP (-1 - 1).
    expect(Loudness.gain({ integratedLufs: -23, truePeakDbtp: -0.6 }, -16)).toBe(-1.4);
    expect(Loudness.codecHeadroomDb).toBe(1);
    expect(Loudness.ceilingDbtp).toBe(-1);
  });

  it("is 0 for silence or figures ffmpeg could not give, never infinite or NaN", () => {
    expect(Loudness.gain({}, -16)).toBe(0);
    expect(Loudness.gain({ integratedLufs: Number.NEGATIVE_INFINITY }, -16)).toBe(0);
    expect(Loudness.gain({ integratedLufs: Number.NaN, truePeakDbtp: -3 }, -16)).toBe(0);
    expect(Loudness.gain({ integratedLufs: -70, truePeakDbtp: -60 }, -16)).toBe(0);
    // A peak ffmpeg could not measure leaves the loudness alone in charge.
    expect(Loudness.gain({ integratedLufs: -20, truePeakDbtp: Number.NaN }, -16)).toBe(4);
  });

  it("always gives a finite gain that keeps peak + gain under the limit (property)", () => {
    const figure = fc.oneof(
      fc.double({ min: -120, max: 20, noNaN: true }),
      fc.constantFrom(Number.NEGATIVE_INFINITY, Number.NaN, undefined),
    );
    fc.assert(
      fc.property(
        figure,
        figure,
        fc.double({ min: -59, max: -5, noNaN: true }),
        (i, tp, target) => {
          const gain = Loudness.gain({ integratedLufs: i, truePeakDbtp: tp }, target);
          expect(Number.isFinite(gain)).toBe(true);
          if (typeof tp === "number" && Number.isFinite(tp) && gain !== 0) {
            expect(tp + gain).toBeLessThanOrEqual(Loudness.ceilingDbtp - Loudness.codecHeadroomDb);
          }
          if (typeof i === "number" && Number.isFinite(i) && i > Loudness.gateLufs) {
            expect(gain).toBeLessThanOrEqual(target - i + 1e-9);
          }
        },
      ),
    );
  });
});

describe("Loudness.parse", () => {
  it("reads the last ebur128 summary in ffmpeg's log", () => {
    const log = `${summary("-99.0", "-1.0")}\nInput #0, mov,mp4 …\n${summary("-31.5", "-12.2", "4.1")}\n`;
    expect(Loudness.parse(log)).toEqual({ integratedLufs: -31.5, truePeakDbtp: -12.2, lra: 4.1 });
  });

  it("leaves out what a silent source cannot have (-inf), rather than storing it", () => {
    expect(Loudness.parse(summary("-inf", "-inf", "0.0"))).toEqual({});
    // Digital silence reads as the -70 LUFS gate.
    expect(Loudness.parse(summary("-70.0", "-91.0"))).toEqual({ truePeakDbtp: -91 });
  });

  it("refuses a log with no measurement", () => {
    expect(() => Loudness.parse("Stream map '0:a:0' matches no streams.")).toThrow(/no loudness/);
  });
});

describe("Loudness.filter", () => {
  it("applies the one gain as a volume filter, or nothing at 0 dB", () => {
    expect(Loudness.filter(7.25)).toBe(",volume=7.25dB");
    expect(Loudness.filterArgs(-1.4)).toEqual(["-af", "volume=-1.40dB"]);
    expect(Loudness.filter(0)).toBe("");
    expect(Loudness.filterArgs(undefined)).toEqual([]);
  });
});
