import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { history, type Seen, segments, target, watch } from "../support/playable";
import { chunkSource, type Harness, startHarness } from "./harness";

// Playback while processing, over the real runtime: a long source cut into chunks, watched from
// its upload to `ready` through the API and the playback routes alone (the single run:
// playable-single.test.ts; one runtime per process).
let h: Harness;
let key: string;

beforeAll(async () => {
  h = await startHarness({
    env: {
      RUSHES_CHUNK_SECONDS: "4",
      // Every MP4 here is read by ranges, as production reads long ones, so it fans out at once.
      RUSHES_RANGED_READ_BYTES: "1",
      RUSHES_THUMBNAIL_WIDTHS: "300",
      RUSHES_LOCAL_CHUNK_CONCURRENCY: "2",
    },
  });
  key = await h.newKey("playable-owner");
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

describe("a 40 s source in 4 s chunks", () => {
  let id: string;
  let seen: Seen[];
  /** An instant clip asked for while it still processed, and what its first rung listed. */
  let clip: { status: number; videoStatus: string; rung?: string; fetched: number[] };

  beforeAll(async () => {
    ({ id } = await h.uploadNew(key, "long.mp4", chunkSource(40, 25), {
      extra: { title: "live" },
    }));
    seen = await watch(h, key, id, async () => {
      const res = await h.api(key, "POST", `/v1/videos/${id}/playback`, { start: 1, end: 3 });
      const videoStatus = (await h.api(key, "GET", `/v1/videos/${id}`)).body.status;
      clip = { status: res.status, videoStatus, fetched: [] };
      if (res.status !== 200) return;
      const master = await (await fetch(res.body.hls)).text();
      const rung = await (await fetch(new URL(segments(master)[0]!, res.body.hls))).text();
      clip.rung = rung;
      for (const url of segments(rung)) clip.fetched.push((await fetch(url)).status);
    });
  }, 320_000);

  it("answers playback while processing, incomplete, with playableAt", () => {
    const live = seen.filter((s) => s.status === "processing" && s.playback);
    expect(live.length).toBeGreaterThan(0);
    for (const s of live) {
      expect(s.playback!.complete).toBe(false);
      expect(Date.parse(s.playback!.playableAt!)).toBeGreaterThan(0);
    }
    const ready = seen.at(-1)!;
    expect(ready.playback!.complete).toBe(true);
    expect(ready.playback!.playableAt).toBe(live[0]!.playback!.playableAt);
  });

  it("grows an EVENT playlist without gaps, cached no longer than its target, and ends VOD", () => {
    const events = seen.filter((s) => s.rung && !s.rung.text.includes("#EXT-X-ENDLIST"));
    expect(events.length).toBeGreaterThan(0);
    const lengths = new Set<number>();
    for (const s of events) {
      expect(s.rung!.text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
      expect(s.rung!.maxAge).toBeLessThanOrEqual(target(s.rung!.text));
      expect(s.masterMaxAge).toBeLessThanOrEqual(6);
      const names = segments(s.rung!.text).map((url) => new URL(url).pathname.split("/").at(-1));
      // In order from the first, no hole: 00000.m4s, 00001.m4s, …
      expect(names).toEqual(names.map((_, i) => `${String(i).padStart(5, "0")}.m4s`));
      lengths.add(names.length);
    }
    expect(lengths.size).toBeGreaterThanOrEqual(2);
    const last = seen.at(-1)!.rung!.text;
    expect(last).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(last).toContain("#EXT-X-ENDLIST");
    expect(segments(last).length).toBeGreaterThan(Math.max(...lengths));
  });

  it("answers an instant clip while processing, its rung read from the stored master", () => {
    expect(clip.status).toBe(200);
    // Still processing after the clip was signed: the rung came from the master, not the record.
    expect(clip.videoStatus).toBe("processing");
    // [1, 3] s lies in the first 6 s segment: the clip lists it alone, and it plays.
    expect(segments(clip.rung!).map((u) => new URL(u).pathname.split("/").at(-1))).toEqual([
      "00000.m4s",
    ]);
    expect(clip.fetched).toEqual([200]);
    expect(clip.rung).toMatch(/#EXT-X-START:TIME-OFFSET=1(\.0+)?,PRECISE=YES/);
  });

  it("records playable once in its history, before ready", async () => {
    const events = await history(h, key, id);
    const playable = events.filter((e) => e.type === "playable");
    expect(playable).toHaveLength(1);
    const ready = events.find((e) => e.type === "ready")!;
    expect(Date.parse(playable[0]!.at)).toBeLessThan(Date.parse(ready.at));
  });
});
