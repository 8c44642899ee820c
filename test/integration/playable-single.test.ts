import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { history, type Seen, segments, watch } from "../support/playable";
import { type Harness, startHarness } from "./harness";

// Playback while a single ffmpeg run encodes: its segments are stored as ffmpeg closes them.
describe("a single run", () => {
  let single: Harness;
  let owner: string;
  let id: string;
  let seen: Seen[];

  beforeAll(async () => {
    // The default chunk length: one ffmpeg run, whose segments are stored as it closes them.
    single = await startHarness({ env: { RUSHES_THUMBNAIL_WIDTHS: "300" } });
    owner = await single.newKey("single-owner");
    ({ id } = await single.uploadNew(owner, "single.mp4", {
      width: 1280,
      height: 720,
      seconds: 20,
      fps: 25,
      gopSeconds: 2,
    }));
    seen = await watch(single, owner, id);
  }, 320_000);

  afterAll(async () => {
    await single?.stop();
  });

  it("is playable before ready, from segments stored while ffmpeg ran", async () => {
    const events = await history(single, owner, id);
    const playable = events.filter((e) => e.type === "playable");
    expect(playable).toHaveLength(1);
    const ready = events.find((e) => e.type === "ready")!;
    expect(Date.parse(playable[0]!.at)).toBeLessThan(Date.parse(ready.at));
    const live = seen.filter((s) => s.status === "processing" && s.rung);
    expect(live.length).toBeGreaterThan(0);
    for (const s of live) expect(s.playback!.complete).toBe(false);
    // Only ffmpeg's own EVENT playlists, stored while it ran, lack ENDLIST.
    const growing = live.filter((s) => !s.rung!.text.includes("#EXT-X-ENDLIST"));
    expect(growing.length).toBeGreaterThan(0);
    for (const s of growing) expect(s.rung!.text).toContain("#EXT-X-PLAYLIST-TYPE:EVENT");
    const last = seen.at(-1)!.rung!.text;
    expect(last).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(segments(last).length).toBeGreaterThan(
      Math.min(...growing.map((s) => segments(s.rung!.text).length)),
    );
  });

  it("cuts a segment at every 2 s keyframe, so its first closes after 2 s of encoding", () => {
    const last = seen.at(-1)!.rung!.text;
    expect(last).toContain("#EXT-X-TARGETDURATION:2");
    const durations = [...last.matchAll(/^#EXTINF:([\d.]+),/gm)].map((m) => Number(m[1]));
    // 20 s of 25 fps with a keyframe every 2 s: ten segments of 2 s.
    expect(durations).toHaveLength(10);
    for (const d of durations) expect(d).toBeCloseTo(2, 1);
  });
});
