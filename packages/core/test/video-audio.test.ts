import { afterEach, describe, expect, it } from "vitest";
import { Config } from "../src/config";
import { VideoAudio } from "../src/video/audio";

function setDefault(value: string | undefined) {
  if (value === undefined) delete process.env.RUSHES_NORMALIZE_AUDIO;
  else process.env.RUSHES_NORMALIZE_AUDIO = value;
  Config.reset();
}

afterEach(() => setDefault(undefined));

describe("VideoAudio.wanted", () => {
  it("follows the upload's normalizeAudio, else RUSHES_NORMALIZE_AUDIO (off by default)", () => {
    expect(VideoAudio.wanted({})).toBe(false);
    expect(VideoAudio.wanted({ normalizeAudio: true })).toBe(true);
    setDefault("true");
    expect(VideoAudio.wanted({})).toBe(true);
    // An upload that says no is not normalised, whatever the owner-wide default.
    expect(VideoAudio.wanted({ normalizeAudio: false })).toBe(false);
  });
});

describe("VideoAudio.info and recorded", () => {
  const planned = {
    input: { integratedLufs: -30, truePeakDbtp: -20 },
    targetLufs: -16,
    gainDb: 14,
  };
  const stored = {
    download: { key: "media/vid_x/audio.m4a", bytes: 1000 },
    output: { integratedLufs: -16.1, truePeakDbtp: -6 },
  };

  it("records the download, and the loudness with its output only when normalised", () => {
    expect(VideoAudio.info(planned, stored)).toEqual({
      download: stored.download,
      loudness: { ...planned, output: stored.output },
    });
    expect(VideoAudio.info(undefined, { download: stored.download })).toEqual({
      download: stored.download,
    });
    expect(VideoAudio.info(undefined, undefined)).toBeUndefined();
  });

  it("gives chunk workers the gain recorded at the fan-out, and none where none was applied", () => {
    expect(VideoAudio.recorded({ audio: { loudness: planned } })).toEqual({
      targetLufs: -16,
      gainDb: 14,
    });
    // MediaConvert's record has no gain of ours; nothing recorded, nothing applied.
    expect(VideoAudio.recorded({ audio: { loudness: { input: {}, targetLufs: -16 } } })).toBe(
      undefined,
    );
    expect(VideoAudio.recorded({})).toBeUndefined();
  });
});
