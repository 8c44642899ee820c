import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VisibleError } from "../src/error";
import { Playback, PlaybackToken, PlaylistRange } from "../src/playback";

const videoId = "vid_01jd7m3y8q4k6x2v9c0b5n1e7r";
const now = Date.UTC(2026, 0, 1);
const inAnHour = now / 1000 + 3600;

const forbidden = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VisibleError);
    expect((error as VisibleError).kind).toBe("forbidden");
    return;
  }
  throw new Error("expected a forbidden error");
};

describe("clip tokens", () => {
  const range = { startMs: 12_000, endMs: 27_500 };

  it("carry the range, signed", () => {
    const token = PlaybackToken.sign(videoId, inAnHour, range);
    expect(token.split(".")).toHaveLength(4);
    expect(PlaybackToken.verify(token, now)).toEqual({ videoId, expiresAt: inAnHour, range });
  });

  it("keep range-less tokens working, with no range", () => {
    const token = PlaybackToken.sign(videoId, inAnHour);
    expect(PlaybackToken.verify(token, now)).toEqual({ videoId, expiresAt: inAnHour });
  });

  it("refuse a widened, narrowed or dropped range", () => {
    const [id, expires, , mac] = PlaybackToken.sign(videoId, inAnHour, range).split(".");
    const edit = (start: number, end: number) =>
      `${id}.${expires}.${start.toString(36)}-${end.toString(36)}.${mac}`;
    forbidden(() => PlaybackToken.verify(edit(0, 27_500), now));
    forbidden(() => PlaybackToken.verify(edit(12_000, 60_000), now));
    forbidden(() => PlaybackToken.verify(edit(13_000, 27_000), now));
    // The ranged token's MAC does not stand for the whole video.
    forbidden(() => PlaybackToken.verify(`${id}.${expires}.${mac}`, now));
    // Nor does a whole-video token's MAC stand for any range.
    const [, , whole] = PlaybackToken.sign(videoId, inAnHour).split(".");
    forbidden(() =>
      PlaybackToken.verify(`${id}.${expires}.${edit(12_000, 27_500).split(".")[2]}.${whole}`, now),
    );
    for (const junk of [`${id}.${expires}.x.${mac}`, `${id}.${expires}.1-2-3.${mac}`]) {
      forbidden(() => PlaybackToken.verify(junk, now));
    }
  });

  it("links sign the range into the playlist URLs", () => {
    const links = Playback.links(videoId, "https://api.example", { storyboard: false, now, range });
    const token = links.hls.split("/")[5]!;
    expect(PlaybackToken.verify(token, now).range).toEqual(range);
  });
});

/** A VOD media playlist of these segment durations, as the transcoder writes one. */
function playlist(durations: number[], options: { ended?: boolean; sequence?: number } = {}) {
  return [
    "#EXTM3U",
    "#EXT-X-VERSION:7",
    `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...durations, 1))}`,
    `#EXT-X-MEDIA-SEQUENCE:${options.sequence ?? 0}`,
    `#EXT-X-PLAYLIST-TYPE:${options.ended === false ? "EVENT" : "VOD"}`,
    "#EXT-X-INDEPENDENT-SEGMENTS",
    '#EXT-X-MAP:URI="init.mp4"',
    ...durations.flatMap((d, i) => [
      `#EXTINF:${d.toFixed(6)},`,
      `${String(i).padStart(5, "0")}.m4s`,
    ]),
    ...(options.ended === false ? [] : ["#EXT-X-ENDLIST"]),
    "",
  ].join("\n");
}

const uris = (text: string) => text.split("\n").filter((l) => l && !l.startsWith("#"));
const extinf = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("#EXTINF:"))
    .map((l) => Number.parseFloat(l.slice(8)));

describe("playlist range filtering", () => {
  const sixes = playlist([6, 6, 6, 6, 6, 4]);

  it("keeps only the segments that overlap the range, and starts the player at its start", () => {
    const clipped = PlaylistRange.clip(sixes, { start: 7, end: 19 });
    expect(uris(clipped.text)).toEqual(["00001.m4s", "00002.m4s", "00003.m4s"]);
    expect(clipped.text).toContain("#EXT-X-START:TIME-OFFSET=1.000,PRECISE=YES");
    expect(clipped.text).toContain("#EXT-X-MEDIA-SEQUENCE:1");
    expect(clipped.text).toContain('#EXT-X-MAP:URI="init.mp4"');
    expect(clipped.text.trimEnd().endsWith("#EXT-X-ENDLIST")).toBe(true);
    expect(clipped).toMatchObject({ offset: 1, complete: true });
  });

  it("leaves out a segment that only touches the range at a boundary", () => {
    const clipped = PlaylistRange.clip(sixes, { start: 6, end: 12 });
    expect(uris(clipped.text)).toEqual(["00001.m4s"]);
    expect(clipped.offset).toBe(0);
  });

  it("keeps an open EVENT list while the stored segments do not yet reach the end", () => {
    const growing = playlist([6, 6], { ended: false });
    const early = PlaylistRange.clip(growing, { start: 3, end: 20 });
    expect(uris(early.text)).toEqual(["00000.m4s", "00001.m4s"]);
    expect(early.complete).toBe(false);
    expect(early.text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    expect(early.text).not.toContain("#EXT-X-ENDLIST");
    const reached = PlaylistRange.clip(growing, { start: 3, end: 12 });
    expect(reached.complete).toBe(true);
    expect(reached.text).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
  });

  it("covers any range within one segment each side (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.5, max: 8, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (durations, a, b) => {
          const rounded = durations.map((d) => Number(d.toFixed(6)));
          const total = rounded.reduce((s, d) => s + d, 0);
          const start = Math.min(a, b) * total;
          const end = Math.max(a, b) * total;
          fc.pre(end - start > 0.01);
          const clipped = PlaylistRange.clip(playlist(rounded), { start, end });
          const kept = extinf(clipped.text);
          const listed = kept.reduce((s, d) => s + d, 0);
          // What plays: the list minus the lead before `start` and the tail after `end`.
          const tail = listed - clipped.offset - (end - start);
          expect(clipped.offset).toBeGreaterThanOrEqual(0);
          expect(clipped.offset).toBeLessThan(kept[0]!);
          expect(tail).toBeGreaterThanOrEqual(-1e-6);
          expect(tail).toBeLessThan(kept.at(-1)! + 1e-6);
        },
      ),
    );
  });
});
