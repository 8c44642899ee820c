import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkAudio } from "../src/media/chunked/chunk-audio";
import { Chunks } from "../src/media/chunked/chunks";
import { MediaError } from "../src/media/error";
import { Fmp4 } from "../src/media/hls/fmp4";
import { Address } from "../src/net/address";
import { Playlist } from "../src/playback/playlist";
import { Multipart } from "../src/storage/multipart";

// Property-based tests of the pure planners and parsers: random input finds what the examples
// in their own test files miss. A failure prints the smallest counterexample fast-check found.

const MiB = 1024 ** 2;

describe("Address.isPublic", () => {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  const dotted = (q: number[]) => q.join(".");
  const hex = (q: number[]) =>
    `${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  const inverted = (q: number[]) => hex(q.map((b) => b ^ 0xff));

  it("judges an IPv4 address the same in every IPv6 form that carries it", () => {
    fc.assert(
      fc.property(ipv4, (q) => {
        const expected = Address.isPublic(dotted(q));
        const forms = [
          `::ffff:${dotted(q)}`, // mapped
          `::ffff:${hex(q)}`,
          `::ffff:0:${dotted(q)}`, // translated
          `::ffff:0:${hex(q)}`,
          `::${dotted(q)}`, // compatible
          `::${hex(q)}`,
          `0:0:0:0:0:0:${hex(q)}`,
          `64:ff9b::${dotted(q)}`, // NAT64
          `64:ff9b::${hex(q)}`,
          `2002:${hex(q)}::1`, // 6to4
          `2002:${hex(q)}:1234:5678:9abc:def0:1`,
          `2001:0:808:808:8000:63bf:${inverted(q)}`, // Teredo, public server, this client
          `2001:0:${hex(q)}:8000:63bf:f7f7:f7f7`, // Teredo, this server, public client 8.8.8.8
        ];
        for (const form of forms) expect(Address.isPublic(form), form).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("always refuses the blocked IPv4 ranges, however they are written", () => {
    const blocked = fc.oneof(
      fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(169), fc.constant(254), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(0), fc.nat(255), fc.nat(255), fc.nat(255)),
    );
    fc.assert(
      fc.property(blocked, (q) => {
        for (const form of [dotted(q), `::${hex(q)}`, `::ffff:0:${hex(q)}`, `64:ff9b::${hex(q)}`]) {
          expect(Address.isPublic(form), form).toBe(false);
        }
      }),
    );
  });

  const groups = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });
  /** The longest run of zero groups as `::`, as the URL parser writes addresses. */
  const compressed = (g: number[]) => {
    const full = g.map((x) => x.toString(16)).join(":");
    const runs = [...full.matchAll(/(?:^|:)0(?::0)+(?::|$)/g)].sort(
      (a, b) => b[0].length - a[0].length,
    );
    const run = runs[0];
    if (!run) return full;
    return `${full.slice(0, run.index)}::${full.slice(run.index! + run[0].length)}`;
  };

  it("gives one answer for one address, whatever its spelling", () => {
    fc.assert(
      fc.property(groups, (g) => {
        const full = g.map((x) => x.toString(16).padStart(4, "0")).join(":");
        const short = compressed(g);
        const v4tail = `${g
          .slice(0, 6)
          .map((x) => x.toString(16))
          .join(":")}:${[g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join(".")}`;
        const answer = Address.isPublic(full);
        expect(Address.isPublic(short), short).toBe(answer);
        expect(Address.isPublic(full.toUpperCase()), full).toBe(answer);
        expect(Address.isPublic(v4tail), v4tail).toBe(answer);
        expect(Address.isPublic(new URL(`http://[${short}]/`).hostname.slice(1, -1))).toBe(answer);
      }),
      { numRuns: 2000 },
    );
  });

  it("admits IPv6 only inside global unicast (2000::/3)", () => {
    fc.assert(
      fc.property(groups, (g) => {
        const address = g.map((x) => x.toString(16)).join(":");
        if (Address.isPublic(address) && !Address.embedded(address)) {
          expect(g[0]! >> 13, address).toBe(1);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("Chunks.plan with ChunkAudio", () => {
  const input = fc
    .record({
      segmentSeconds: fc.integer({ min: 1, max: 10 }),
      chunkSeconds: fc.integer({ min: 1, max: 120 }),
      durationMs: fc.integer({ min: 1, max: 20 * 60_000 }),
      gopMs: fc.integer({ min: 500, max: 20_000 }),
      /** Keyframes off the grid by this much (ms), as a muxer's rounding may put them. */
      skewMs: fc.integer({ min: -30, max: 30 }),
      fps: fc.integer({ min: 1, max: 60 }),
    })
    .map((r) => {
      const keyframesMs: number[] = [];
      for (let t = 0; t < r.durationMs; t += r.gopMs) keyframesMs.push(Math.max(0, t + r.skewMs));
      const frames = Math.max(1, Math.floor((r.durationMs * r.fps) / 1000));
      return { ...r, keyframesMs, frames };
    });

  it("puts every video frame in exactly one chunk, every chunk on the segment grid", () => {
    fc.assert(
      fc.property(input, (r) => {
        const chunks = Chunks.plan({ ...r, packets: r.frames });
        const segmentMs = r.segmentSeconds * 1000;
        expect(chunks[0]!.startMs).toBe(0);
        expect(chunks.at(-1)!.endMs).toBe(r.durationMs);
        chunks.forEach((c, i) => {
          expect(c.index).toBe(i);
          expect(c.endMs).toBeGreaterThan(c.startMs);
          expect(c.startMs % segmentMs).toBe(0);
          expect(c.firstSegment).toBe(c.startMs / segmentMs);
          expect(c.readFromMs).toBeGreaterThanOrEqual(0);
          expect(c.readFromMs).toBeLessThanOrEqual(c.startMs);
          if (i > 0) expect(c.startMs).toBe(chunks[i - 1]!.endMs);
        });
        // Frame k shows at k / fps: each lands in exactly one [startMs, endMs).
        const step = Math.max(1, Math.floor(r.frames / 500));
        for (let k = 0; k < r.frames; k += step) {
          const at = (k * 1000) / r.fps;
          expect(chunks.filter((c) => at >= c.startMs && at < c.endMs)).toHaveLength(1);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("keeps every audio frame exactly once across the joins, from encodes of the cut samples", () => {
    fc.assert(
      fc.property(input, (r) => {
        const chunks = Chunks.plan({ ...r, packets: r.frames });
        const totalSamples = Math.round((r.durationMs * ChunkAudio.sampleRate) / 1000);
        const totalFrames = Math.ceil(totalSamples / ChunkAudio.frameSamples);
        const kept: number[] = [];
        chunks.forEach((chunk, i) => {
          const span = ChunkAudio.span(chunk, i === chunks.length - 1);
          const to = Math.min(span.toSample ?? totalSamples, totalSamples);
          expect(span.fromSample % ChunkAudio.frameSamples).toBe(0);
          // The encoder: a priming packet, then one packet per 1024 samples of its input;
          // packet p codes grid frame firstFrame - preroll + p - 1.
          const packets = 1 + Math.ceil((to - span.fromSample) / ChunkAudio.frameSamples);
          const coded = Array.from(
            { length: packets },
            (_, p) => span.firstFrame - span.preroll + p - 1,
          );
          kept.push(...ChunkAudio.keep(coded, span));
        });
        const misplaced = kept.findIndex((f, i) => f !== i);
        expect(misplaced, `frame ${kept[misplaced]} kept at ${misplaced}`).toBe(-1);
        expect(kept).toHaveLength(totalFrames);
      }),
      { numRuns: 150 },
    );
  });
});

describe("Multipart.plan", () => {
  it("fits any size up to 5 TiB in at most 10,000 parts S3 accepts, none of them empty", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 * 1024 ** 4 }),
        fc.integer({ min: 5, max: 5 * 1024 }).map((mib) => mib * MiB),
        (bytes, preferred) => {
          const { partSize, partCount } = Multipart.plan(bytes, preferred);
          expect(partCount).toBeLessThanOrEqual(Multipart.maxParts);
          expect(partSize).toBeGreaterThanOrEqual(Multipart.minPartBytes);
          expect(partSize).toBeLessThanOrEqual(Multipart.maxPartBytes);
          expect(partSize % MiB).toBe(0);
          expect(partSize).toBeGreaterThanOrEqual(preferred);
          expect(partSize * partCount).toBeGreaterThanOrEqual(bytes);
          expect((partCount - 1) * partSize).toBeLessThan(bytes);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("Playlist.rewrite", () => {
  const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}\.(m4s|mp4|m3u8)$/);
  const line = fc.oneof(
    name,
    name.map((n) => `#EXT-X-MAP:URI="${n}",BYTERANGE="800@0"`),
    name.map((n) => `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="é",URI="${n}"`),
    fc.constantFrom("#EXTM3U", "#EXT-X-VERSION:7", "#EXTINF:6.000,", "", "  ", "#EXT-X-ENDLIST"),
    fc.string({ unit: "grapheme", maxLength: 20 }).filter((s) => !s.includes("\n")),
  );
  const playlist = fc
    .tuple(fc.array(line, { maxLength: 30 }), fc.boolean())
    .map(([lines, crlf]) => lines.join(crlf ? "\r\n" : "\n"));
  const sign = (uri: string) => `https://cdn.example/${encodeURIComponent(uri)}?Signature=x`;

  it("changes nothing but the URIs: with no change to them, the trimmed lines as UTF-8", () => {
    fc.assert(
      fc.property(playlist, (text) => {
        const expected = text
          .split("\n")
          .map((l) => l.trim())
          .join("\n");
        expect(Playlist.rewrite(text, (u) => u).equals(Buffer.from(expected, "utf8"))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("replaces every URI it names, and only those", () => {
    fc.assert(
      fc.property(playlist, (text) => {
        const out = Playlist.rewrite(text, sign).toString("utf8");
        expect(Playlist.uris(out)).toEqual(Playlist.uris(text).map(sign));
        expect(out.split("\n")).toHaveLength(text.split("\n").length);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("Fmp4.shift", () => {
  const box = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(8 + body.length);
    new DataView(out.buffer).setUint32(0, out.length);
    out.set(Buffer.from(type, "latin1"), 4);
    out.set(body, 8);
    return out;
  };
  const full = (version: number, time: bigint, before = 0) => {
    const body = new Uint8Array(4 + before + (version === 1 ? 8 : 4));
    const view = new DataView(body.buffer);
    body[0] = version;
    if (version === 1) view.setBigUint64(4 + before, time);
    else view.setUint32(4 + before, Number(time));
    return body;
  };
  const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
  const read = (bytes: Uint8Array, at: number, version: number) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    return version === 1 ? view.getBigUint64(at) : BigInt(view.getUint32(at));
  };

  it("adds the offset to every tfdt and the sidx, and changes no other byte", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 1),
        fc.constantFrom(0, 1),
        fc.nat(2 ** 30),
        fc.integer({ min: 0, max: 3600 * 10 }).map((s) => s * 100),
        fc.constantFrom(1000, 12_800, 48_000, 90_000),
        (tfdtVersion, sidxVersion, start, offsetMs, timescale) => {
          // sidx: version/flags, reference_ID, timescale, earliest_presentation_time.
          const sidxBody = full(sidxVersion, BigInt(start), 8);
          new DataView(sidxBody.buffer).setUint32(8, timescale);
          const sidx = box("sidx", sidxBody);
          const traf = box(
            "traf",
            concat(box("tfhd", new Uint8Array(8)), box("tfdt", full(tfdtVersion, BigInt(start)))),
          );
          const segment = concat(
            sidx,
            box("moof", concat(box("mfhd", new Uint8Array(8)), traf, traf)),
            box("mdat", new Uint8Array(16).fill(7)),
          );
          const shifted = Fmp4.shift(segment, offsetMs, timescale);
          const ticks = BigInt(Math.round((offsetMs * timescale) / 1000));
          const fields = [
            { at: 8 + 12, version: sidxVersion },
            ...[0, traf.length].map((t) => ({
              at: sidx.length + 8 + 16 + t + 8 + 16 + 8 + 4,
              version: tfdtVersion,
            })),
          ];
          for (const { at, version } of fields) {
            expect(read(segment, at, version)).toBe(BigInt(start));
            expect(read(shifted, at, version)).toBe(BigInt(start) + ticks);
          }
          const touched = new Set(
            fields.flatMap(({ at, version }) =>
              Array.from({ length: version === 1 ? 8 : 4 }, (_, i) => at + i),
            ),
          );
          for (let i = 0; i < segment.length; i++) {
            if (!touched.has(i)) expect(shifted[i], `byte ${i}`).toBe(segment[i]);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("on random bytes, returns a same-size copy or throws a MediaError, nothing else", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      // Plausible box headers with random sizes and bodies, nested or not.
      fc
        .array(
          fc.tuple(
            fc.constantFrom("moof", "traf", "tfdt", "sidx", "mdat", "\0\0\0\0"),
            fc.nat(64),
            fc.uint8Array({ maxLength: 40 }),
          ),
          { maxLength: 6 },
        )
        .map((boxes) =>
          concat(
            ...boxes.map(([type, size, body]) => {
              const b = box(type, body);
              new DataView(b.buffer).setUint32(0, size);
              return b;
            }),
          ),
        ),
    );
    fc.assert(
      fc.property(bytes, fc.nat(100_000), (data, offsetMs) => {
        try {
          expect(Fmp4.shift(data, offsetMs, 90_000)).toHaveLength(data.length);
        } catch (error) {
          expect(error).toBeInstanceOf(MediaError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("ChunkAudio.adtsFrames", () => {
  const frame = fc.tuple(fc.integer({ min: 7, max: 300 }), fc.nat(255)).map(([length, fill]) => {
    const f = new Uint8Array(length).fill(fill);
    f.set([
      0xff,
      0xf1,
      0x50,
      0x80 | ((length >> 11) & 3),
      (length >> 3) & 0xff,
      (length & 7) << 5,
      0xfc,
    ]);
    return f;
  });

  it("splits a stream of frames back into those frames", () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 20 }), (frames) => {
        const stream = new Uint8Array(Buffer.concat(frames));
        const split = ChunkAudio.adtsFrames(stream);
        expect(split.map((f) => Buffer.from(f))).toEqual(frames.map((f) => Buffer.from(f)));
      }),
    );
  });

  it("on random bytes, returns frames that tile the input or throws a MediaError", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc
        .tuple(fc.array(frame, { maxLength: 5 }), fc.uint8Array({ maxLength: 12 }))
        .map(([frames, tail]) => new Uint8Array(Buffer.concat([...frames, tail]))),
    );
    fc.assert(
      fc.property(bytes, (data) => {
        let frames: Uint8Array[];
        try {
          frames = ChunkAudio.adtsFrames(data);
        } catch (error) {
          expect(error).toBeInstanceOf(MediaError);
          return;
        }
        const joined = Buffer.concat(frames);
        // What it returns is the input from its start, frame after frame, with nothing left over.
        expect(joined.equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
