import { describe, expect, it } from "vitest";
import { ChunkTranscode } from "../../src/media/chunked/chunk-transcode";
import { Chunks } from "../../src/media/chunked/chunks";
import { Fmp4 } from "../../src/media/hls/fmp4";

const every = (stepMs: number, durationMs: number) =>
  Array.from({ length: Math.ceil(durationMs / stepMs) }, (_, i) => i * stepMs);

describe("Chunks.plan", () => {
  it("leaves a source up to twice the chunk length in one piece", () => {
    const plan = Chunks.plan({
      durationMs: 120_000,
      keyframesMs: every(2000, 120_000),
      chunkSeconds: 60,
      segmentSeconds: 6,
    });
    expect(plan).toEqual([
      { index: 0, startMs: 0, endMs: 120_000, readFromMs: 0, firstSegment: 0 },
    ]);
    expect(Chunks.splits(120_000, 60)).toBe(false);
    expect(Chunks.splits(120_001, 60)).toBe(true);
  });

  it("cuts a keyframe-aligned source on multiples of the chunk length, read from the boundary", () => {
    const plan = Chunks.plan({
      durationMs: 200_000,
      keyframesMs: every(2000, 200_000),
      chunkSeconds: 60,
      segmentSeconds: 6,
    });
    // Chunk 0 is one segment, so the first segments are playable after seconds.
    expect(plan.map((c) => [c.startMs, c.endMs, c.readFromMs, c.firstSegment])).toEqual([
      [0, 6000, 0, 0],
      [6000, 60_000, 6000, 1],
      [60_000, 120_000, 60_000, 10],
      [120_000, 180_000, 120_000, 20],
      [180_000, 200_000, 180_000, 30],
    ]);
  });

  it("rounds the chunk length to whole segments, and never leaves a tail shorter than one", () => {
    const plan = Chunks.plan({
      durationMs: 20_000,
      keyframesMs: every(1000, 20_000),
      chunkSeconds: 4,
      segmentSeconds: 6,
    });
    // 4 s rounds to one 6 s segment (chunk 0 is no shorter); 18 s would leave a 2 s tail, so the last chunk is 8 s.
    expect(plan.map((c) => [c.startMs, c.endMs])).toEqual([
      [0, 6000],
      [6000, 12_000],
      [12_000, 20_000],
    ]);
  });

  it("moves a boundary one segment onto a keyframe when the nearest grid point has none", () => {
    // Keyframes every 9 s: 54 s is a keyframe and a segment boundary; 60 s is neither.
    const plan = Chunks.plan({
      durationMs: 150_000,
      keyframesMs: every(9000, 150_000),
      chunkSeconds: 60,
      segmentSeconds: 6,
    });
    expect(plan[2]).toMatchObject({ startMs: 54_000, readFromMs: 54_000, firstSegment: 9 });
  });

  it("does not split a long timeline whose chunks would hold too few frames or bytes", () => {
    const hour = { durationMs: 3_600_000, chunkSeconds: 60, segmentSeconds: 6 };
    // Four frames over an hour (the hostile gap file): one chunk, the single run.
    expect(Chunks.plan({ ...hour, keyframesMs: [0, 1_200_000], packets: 4 })).toHaveLength(1);
    // Two frames a minute used to fan out to 60 chunks (the hostile 720 frames over 6 h).
    expect(Chunks.plan({ ...hour, keyframesMs: [0], packets: 120 })).toHaveLength(1);
    // 30 fps but 10 KB in the hour: the bytes do not carry two chunks either.
    expect(
      Chunks.plan({ ...hour, keyframesMs: [0], packets: 108_000, bytes: 10_000 }),
    ).toHaveLength(1);
    // Real footage (30 fps, 1 Mbit/s) splits on the configured length, after a one-segment chunk 0.
    const real = { ...hour, keyframesMs: [0], packets: 108_000, bytes: 450_000_000 };
    expect(Chunks.plan(real)).toHaveLength(61);
  });

  it("stretches chunks of a sparse source until each holds enough content", () => {
    // An hour of 320x240 at 1 KB/s (3.6 MB): chunks of 8 KiB/s × 60 s = 480 KiB, about 8 min.
    const plan = Chunks.plan({
      durationMs: 3_600_000,
      keyframesMs: [0],
      chunkSeconds: 60,
      segmentSeconds: 6,
      packets: 90_000,
      bytes: 3_600_000,
    });
    expect(plan.length).toBeGreaterThan(2);
    expect(plan.length).toBeLessThan(10);
    // One byte a millisecond: a chunk's length in ms is the bytes it holds.
    for (const c of plan.slice(0, -1)) {
      expect(c.endMs - c.startMs).toBeGreaterThanOrEqual(Chunks.minBytesPerChunkSecond * 60);
    }
  });

  it("splits a sparse-keyframe source on time and reads each chunk from the keyframe before", () => {
    // One keyframe every 25 s, none on or next to the 60 s grid points.
    const plan = Chunks.plan({
      durationMs: 200_000,
      keyframesMs: every(25_000, 200_000),
      chunkSeconds: 60,
      segmentSeconds: 6,
    });
    expect(plan.map((c) => [c.startMs, c.readFromMs])).toEqual([
      [0, 0],
      [6000, 0],
      [60_000, 50_000],
      [120_000, 100_000],
      [180_000, 175_000],
    ]);
  });

  it("reads keyframes from ffprobe's packet csv relative to the start time", () => {
    const csv = "1.400000,K__\n1.440000,___\n3.400000,K_\nN/A,K__\n1.400000\n";
    expect(Chunks.parseKeyframes(csv)).toMatchObject({ startMs: 1400, keyframesMs: [0, 2000] });
    expect(Chunks.parseKeyframes(csv).packets).toBe(csv.trim().split("\n").length - 1);
  });
});

/** A box: size, type, body. */
const box = (type: string, ...body: Uint8Array[]) => {
  const size = 8 + body.reduce((n, b) => n + b.length, 0);
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, size);
  out.set(new TextEncoder().encode(type), 4);
  let at = 8;
  for (const b of body) {
    out.set(b, at);
    at += b.length;
  }
  return out;
};
const bytes = (...words: [number, 32 | 64][]) => {
  const out = new Uint8Array(words.reduce((n, [, w]) => n + w / 8, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [value, width] of words) {
    if (width === 64) view.setBigUint64(at, BigInt(value));
    else view.setUint32(at, value);
    at += width / 8;
  }
  return out;
};

describe("Fmp4", () => {
  it("reads the track timescale from the init segment", () => {
    const mdhd = box("mdhd", bytes([0, 32], [0, 32], [0, 32], [12_800, 32], [0, 32]));
    const init = box("moov", box("trak", box("mdia", mdhd)));
    expect(Fmp4.timescale(init)).toBe(12_800);
  });

  it("moves every fragment's decode time and the sidx start by the offset, nothing else", () => {
    const tfdt = (v: number) => box("tfdt", bytes([0x01000000, 32], [v, 64]));
    const segment = new Uint8Array([
      ...box("styp", bytes([0, 32])),
      ...box("sidx", bytes([0x01000000, 32], [1, 32], [90_000, 32], [5, 64], [0, 64])),
      ...box("moof", box("mfhd", bytes([0, 32], [1, 32])), box("traf", tfdt(512))),
      ...box("mdat", bytes([0xdeadbeef, 32])),
    ]);
    const shifted = Fmp4.shift(segment, 6000, 12_800);
    const view = new DataView(shifted.buffer);
    // sidx's own timescale (90 kHz): 6 s = 540,000 ticks.
    expect(Number(view.getBigUint64(12 + 8 + 12))).toBe(540_005);
    const tfdtAt = shifted.length - 12 - 20;
    expect(Number(view.getBigUint64(tfdtAt + 12))).toBe(512 + 76_800);
    expect(view.getUint32(shifted.length - 4)).toBe(0xdeadbeef);
    expect(Fmp4.shift(segment, 0, 12_800)).toEqual(segment);
  });
});

describe("stitching", () => {
  const rung = (name: string, segments: [string, number, number][]) => ({
    name,
    codec: "avc1.64001e",
    width: 640,
    height: 360,
    init: "init.mp4",
    segments: segments.map(([uri, duration, bytes]) => ({ uri, duration, bytes })),
  });

  it("joins the chunks' segments in order and rates the whole rung", () => {
    const [joined] = ChunkTranscode.joinLadder([
      { rungs: [rung("360p", [["00000.m4s", 6, 750_000]])] },
      { rungs: [rung("360p", [["00001.m4s", 6, 1_500_000]])] },
      { rungs: [rung("360p", [["00002.m4s", 0.5, 100_000]])] },
    ]);
    expect(joined!.segments.map((s) => s.uri)).toEqual(["00000.m4s", "00001.m4s", "00002.m4s"]);
    // Peak: 12 Mbit over 6 s; a short tail is rated over at least a second (0.8 Mbit/s).
    expect(joined!.peakBitrate).toBe(2_000_000);
    expect(joined!.averageBitrate).toBe(Math.ceil((2_350_000 * 8) / 12.5));
  });

  it("writes a VOD playlist with the init, every segment and the end", () => {
    const text = ChunkTranscode.playlist(
      {
        init: "init.mp4",
        segments: [
          { uri: "00000.m4s", duration: 6 },
          { uri: "00001.m4s", duration: 2.04 },
        ],
      },
      6,
    );
    expect(text).toBe(
      [
        "#EXTM3U",
        "#EXT-X-VERSION:7",
        "#EXT-X-TARGETDURATION:6",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
        "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MAP:URI="init.mp4"',
        "#EXTINF:6.000000,",
        "00000.m4s",
        "#EXTINF:2.040000,",
        "00001.m4s",
        "#EXT-X-ENDLIST",
        "",
      ].join("\n"),
    );
  });
});
