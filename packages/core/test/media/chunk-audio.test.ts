import { describe, expect, it } from "vitest";
import { ChunkAudio } from "../../src/media/chunked/chunk-audio";
import { ChunkTranscode } from "../../src/media/chunked/chunk-transcode";

/** An ADTS frame of `length` bytes (header only, then filler): enough for the framing. */
function adts(length: number, fill: number) {
  const frame = new Uint8Array(length).fill(fill);
  frame.set([
    0xff,
    0xf1,
    0x50,
    0x80 | ((length >> 11) & 0x03),
    (length >> 3) & 0xff,
    (length & 0x07) << 5,
    0xfc,
  ]);
  return frame;
}

describe("ChunkAudio", () => {
  it("puts every chunk on one grid of 1024-sample frames, with a second of pre-roll after the first", () => {
    const first = ChunkAudio.span({ startMs: 0, endMs: 60_000 }, false);
    expect(first).toEqual({
      firstFrame: 0,
      endFrame: 2813, // 60 s × 48,000 / 1024 = 2812.5, rounded
      preroll: 0,
      fromSample: 0,
      toSample: 2815 * 1024,
    });
    const second = ChunkAudio.span({ startMs: 60_000, endMs: 120_000 }, false);
    // The next chunk starts on the frame the one before ended on: no frame twice, none missed.
    expect(second.firstFrame).toBe(first.endFrame);
    expect(second.preroll).toBe(ChunkAudio.prerollFrames);
    expect(second.fromSample).toBe((2813 - 48) * 1024);
    const last = ChunkAudio.span({ startMs: 120_000, endMs: 150_000 }, true);
    expect(last.endFrame).toBeUndefined();
    expect(last.toSample).toBeUndefined();
  });

  it("keeps a chunk's own frames of its encode: after the priming packet and the pre-roll", () => {
    const packets = Array.from({ length: 60 }, (_, i) => i);
    const span = { firstFrame: 100, endFrame: 110, preroll: 48, fromSample: 52 * 1024 };
    // Packet p codes grid frame firstFrame - preroll + p - 1: packet 49 is frame 100.
    expect(ChunkAudio.keep(packets, span)).toEqual([49, 50, 51, 52, 53, 54, 55, 56, 57, 58]);
    const head = { firstFrame: 0, endFrame: 3, preroll: 0, fromSample: 0 };
    expect(ChunkAudio.keep(packets, head)).toEqual([1, 2, 3]);
    const tail = { firstFrame: 200, preroll: 48, fromSample: 152 * 1024 };
    expect(ChunkAudio.keep(packets, tail)).toEqual(packets.slice(49));
    // An encode that came up short is an error, not a gap.
    expect(() => ChunkAudio.keep(packets.slice(0, 55), span)).toThrow(/6 of the chunk's 10/);
  });

  it("splits ADTS into frames by their length fields, and refuses a broken stream", () => {
    const frames = [adts(9, 1), adts(300, 2), adts(7, 3)];
    const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of frames) {
      stream.set(f, at);
      at += f.length;
    }
    expect(ChunkAudio.adtsFrames(stream).map((f) => f.length)).toEqual([9, 300, 7]);
    expect(() => ChunkAudio.adtsFrames(stream.subarray(0, 100))).toThrow(/truncated/);
    expect(() => ChunkAudio.adtsFrames(stream.subarray(1))).toThrow(/sync/);
  });

  it("cuts each chunk's samples exactly from one decode of the source", () => {
    const spans = [
      ChunkAudio.span({ startMs: 0, endMs: 6000 }, false),
      ChunkAudio.span({ startMs: 6000, endMs: 9000 }, true),
    ];
    const { graph, outputs } = ChunkAudio.split("0:a:0", spans, ["/t/0.flac", "/t/1.flac"]);
    expect(graph).toBe(
      "[0:a:0]aresample=48000,asplit=2[ca0][ca1];" +
        "[ca0]atrim=start_sample=0:end_sample=289792[co0];" +
        "[ca1]atrim=start_sample=238592[co1]",
    );
    expect(outputs).toEqual([
      ...["-map", "[co0]", "-ac", "2", "-c:a", "flac", "-f", "flac", "/t/0.flac"],
      ...["-map", "[co1]", "-ac", "2", "-c:a", "flac", "-f", "flac", "/t/1.flac"],
    ]);
  });

  it("joins the chunks' audio in order and rates it like a rung", () => {
    const audio = (uris: string[]) => ({
      name: "audio",
      codec: "mp4a.40.2",
      channels: 2,
      init: "init.mp4",
      segments: uris.map((uri) => ({ uri, duration: 6, bytes: 96_000 })),
    });
    const joined = ChunkTranscode.joinAudio([
      { audio: audio(["c00000-00000.m4s"]) },
      { audio: audio(["c00001-00000.m4s", "c00001-00001.m4s"]) },
    ]);
    expect(joined.segments.map((s) => s.uri)).toEqual([
      "c00000-00000.m4s",
      "c00001-00000.m4s",
      "c00001-00001.m4s",
    ]);
    expect(joined.averageBitrate).toBe(128_000);
    expect(() => ChunkTranscode.joinAudio([{ audio: audio(["a"]) }, {}])).toThrow(/no audio/);
  });
});
