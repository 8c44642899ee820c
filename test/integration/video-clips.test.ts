import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVideo, inspect, videoFrames } from "../support/media";
import { type Harness, startHarness, waitUntil } from "./harness";

// Clips of any video over the embedded runtime: instant clips (a signed playback range, its
// playlists fetched like a player) and cut clips through the real clip queue, worker and ffmpeg.
let h: Harness;
let key: string;
let otherKey: string;
let videoId: string;
const fps = 25;
const seconds = 20;
const gopSeconds = 2;

beforeAll(async () => {
  h = await startHarness({
    env: { RUSHES_THUMBNAIL_WIDTHS: "160", RUSHES_CLIP_MAX_SECONDS: "12" },
  });
  key = await h.newKey("video-clips");
  otherKey = await h.newKey("video-clips-other");
  const file = await generateVideo({
    path: join(h.dir, "source.mp4"),
    width: 320,
    height: 240,
    seconds,
    fps,
    gopSeconds,
  });
  videoId = await h.upload(key, file);
  expect((await h.waitForStatus(key, videoId, ["ready", "failed", "rejected"])).status).toBe(
    "ready",
  );
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

const text = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
};
const uris = (playlist: string) => playlist.split("\n").filter((l) => l && !l.startsWith("#"));
const extinf = (playlist: string) =>
  playlist
    .split("\n")
    .filter((l) => l.startsWith("#EXTINF:"))
    .map((l) => Number.parseFloat(l.slice(8)));
/** The video frame times of a signed playlist's init and first `count` segments, fetched. */
const framesOf = async (playlist: string, name: string, count = Number.POSITIVE_INFINITY) => {
  const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(playlist)![1]!;
  const parts = await Promise.all(
    [init, ...uris(playlist).slice(0, count)].map(async (url) => {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      return Buffer.from(await res.arrayBuffer());
    }),
  );
  const path = join(h.dir, name);
  await writeFile(path, Buffer.concat(parts));
  return (await videoFrames(path)).all;
};
const startOffset = (playlist: string) =>
  Number(/#EXT-X-START:TIME-OFFSET=([0-9.]+),PRECISE=YES/.exec(playlist)?.[1]);

describe("instant clips", () => {
  const instant = (body: unknown, k = key, id = videoId) =>
    h.api(k, "POST", `/v1/videos/${id}/playback`, body);

  it("plays the range within one segment, from playlists that list only its segments", async () => {
    const [start, end] = [7.3, 15.2];
    const res = await instant({ start, end });
    expect(res.status, res.text).toBe(200);
    const playback = res.body;
    expect(playback.range).toMatchObject({ start, end });
    expect(new Date(playback.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const master = await text(playback.hls);
    expect(master.status).toBe(200);
    const rung = uris(master.body)[0]!;
    const whole = await h.api(key, "GET", `/v1/videos/${videoId}`);
    const full = await text(new URL(rung, whole.body.playback.hls).href);
    const clipped = await text(new URL(rung, playback.hls).href);
    expect(clipped.status).toBe(200);

    const all = extinf(full.body);
    const kept = extinf(clipped.body);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(all.length);
    const segment = Math.max(...all);
    // What plays: the kept segments minus the lead before `start` and the tail after `end`.
    const offset = startOffset(clipped.body);
    const plays = kept.reduce((s, d) => s + d, 0) - offset;
    expect(offset).toBeGreaterThanOrEqual(0);
    expect(offset).toBeLessThan(kept[0]!);
    expect(plays - (end - start)).toBeGreaterThanOrEqual(0);
    expect(plays - (end - start)).toBeLessThan(segment);
    expect(playback.range.playerStart).toBeCloseTo(offset, 3);
    expect(playback.range.playerEnd).toBeCloseTo(offset + end - start, 3);
    expect(clipped.body.trimEnd().endsWith("#EXT-X-ENDLIST")).toBe(true);

    // The list's media, fetched as a player does through its signed URLs (the init segment,
    // then each media segment, which together make one fragmented MP4), lasts what it lists.
    const frames = await framesOf(clipped.body, "instant.mp4");
    const [first, last] = [frames[0]!, frames.at(-1)! + 1 / fps];
    expect(Math.abs(last - first - kept.reduce((s, d) => s + d, 0))).toBeLessThanOrEqual(
      1 / fps + 0.001,
    );
    // On the video's own timeline (zero: the first frame of its first segment), the kept
    // segments hold the whole range, and the player's offset lands on `start`.
    const zero = (await framesOf(full.body, "whole.mp4", 1))[0]!;
    expect(first - zero).toBeLessThanOrEqual(start);
    expect(last - zero).toBeGreaterThanOrEqual(end);
    expect(first - zero + offset).toBeCloseTo(start, 3);
  });

  it("answers 403 when the token's range is edited, on every playlist", async () => {
    const { body: playback } = await instant({ start: 2, end: 4 });
    const token = playback.hls.split("/").at(-2)!;
    const [id, expires, , mac] = token.split(".");
    const widened = `${id}.${expires}.0-${(seconds * 1000).toString(36)}.${mac}`;
    const dropped = `${id}.${expires}.${mac}`;
    for (const bad of [widened, dropped]) {
      for (const file of ["master.m3u8", "audio/index.m3u8", "240p/index.m3u8"]) {
        const res = await fetch(playback.hls.replace(`${token}/master.m3u8`, `${bad}/${file}`));
        expect(res.status, `${bad}/${file}`).toBe(403);
      }
    }
  });

  it("answers 422 for an empty or reversed range, one past the end, and a video not playable", async () => {
    for (const [start, end] of [
      [5, 5],
      [6, 2],
    ]) {
      const res = await instant({ start, end });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("invalid_range");
    }
    const past = await instant({ start: 10, end: seconds + 5 });
    expect(past.status).toBe(422);
    expect(past.body.error.code).toBe("range_out_of_bounds");
    const created = await h.api(key, "POST", "/v1/uploads", {
      filename: "later.mp4",
      contentType: "video/mp4",
      bytes: 1000,
    });
    const waiting = await instant({ start: 0, end: 1 }, key, created.body.video.id);
    expect(waiting.status).toBe(422);
    expect(waiting.body.error.code).toBe("not_playable");
  });

  it("answers 404 for another owner's video, in any letter case", async () => {
    for (const id of [videoId, videoId.toUpperCase()]) {
      const res = await instant({ start: 1, end: 2 }, otherKey, id);
      expect(res.status).toBe(404);
    }
  });
});

describe("clips of a video", () => {
  const cut = (body: unknown, init: { k?: string; id?: string; idempotencyKey?: string } = {}) =>
    h.api(init.k ?? key, "POST", `/v1/videos/${init.id ?? videoId}/clips`, body, {
      headers: init.idempotencyKey ? { "idempotency-key": init.idempotencyKey } : {},
    });

  const waitForClip = (id: string) =>
    waitUntil(
      () => `clip ${id} not available`,
      async () => {
        const { body } = await h.api(key, "GET", `/v1/clips/${id}`);
        if (["failed", "not_available"].includes(body.status)) {
          throw new Error(`clip ${id}: ${JSON.stringify(body.error)}`);
        }
        return body.status === "available" ? body : undefined;
      },
      { timeoutMs: 90_000 },
    );

  const output = async (clip: { output: { url: string } }, name: string) => {
    const path = join(h.dir, name);
    await writeFile(path, Buffer.from(await (await fetch(clip.output.url)).arrayBuffer()));
    return inspect(path);
  };

  it("cuts an exact clip within one frame of the range", async () => {
    const res = await cut({ start: 3.2, end: 9.6, mode: "exact" });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({
      status: "pending",
      accuracy: "exact",
      source: { videoId, start: 3.2, end: 9.6 },
    });
    const clip = await waitForClip(res.body.id);
    const media = await output(clip, "exact.mp4");
    expect(Math.abs(media.durationMs - 6400)).toBeLessThanOrEqual(1000 / fps + 1);
    expect(clip.thumbnails.length).toBeGreaterThan(0);
    // Subscribers hear of it as of a camera clip, naming the video and the offsets.
    const event = await h.runtime.waitFor(
      (e) => e.type === "clip.available" && e.properties.clipId === res.body.id,
    );
    expect(event.properties).toMatchObject({ videoId, startMs: 3200, endMs: 9600 });
    expect(event.properties).not.toHaveProperty("cameraId");
  });

  it("cuts a fast clip by stream copy, within one keyframe interval", async () => {
    const res = await cut({ start: 5, end: 11, mode: "fast" });
    expect(res.status, res.text).toBe(202);
    const clip = await waitForClip(res.body.id);
    const media = await output(clip, "fast.mp4");
    expect(Math.abs(media.durationMs - 6000)).toBeLessThanOrEqual(gopSeconds * 1000 + 1000 / fps);
  });

  it("replays an Idempotency-Key with the same clip, and lists it with its source", async () => {
    const body = { start: 1, end: 3, mode: "fast" };
    const first = await cut(body, { idempotencyKey: "video-clip-1" });
    const again = await cut(body, { idempotencyKey: "video-clip-1" });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.id).toBe(first.body.id);

    const listed = await h.api(key, "GET", "/v1/clips?limit=50");
    const mine = listed.body.data.filter((c: { id: string }) => c.id === first.body.id);
    expect(mine).toHaveLength(1);
    expect(mine[0].source).toEqual({ videoId, start: 1, end: 3 });
    expect(mine[0]).not.toHaveProperty("cameraId");
    // Not a camera's clip: the camera listing leaves it out.
    const byCamera = await h.api(key, "GET", "/v1/clips?cameraId=pier");
    expect(byCamera.status).toBe(200);
    expect(byCamera.body.data.map((c: { id: string }) => c.id)).not.toContain(first.body.id);
  });

  it("answers 422 for a bad range, past the end, too long, or a video not ready", async () => {
    const cases: [unknown, string][] = [
      [{ start: 4, end: 4 }, "invalid_range"],
      [{ start: 4, end: 1 }, "invalid_range"],
      [{ start: 15, end: seconds + 1 }, "range_out_of_bounds"],
      [{ start: 0, end: 13 }, "too_long"],
    ];
    for (const [body, code] of cases) {
      const res = await cut(body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code).toBe(code);
    }
    const created = await h.api(key, "POST", "/v1/uploads", {
      filename: "later.mp4",
      contentType: "video/mp4",
      bytes: 1000,
    });
    const waiting = await cut({ start: 0, end: 1 }, { id: created.body.video.id });
    expect(waiting.status).toBe(422);
    expect(waiting.body.error.code).toBe("not_ready");
  });

  it("ends not_available when the video is gone by the time the worker takes it", async () => {
    // Written straight to the table, off the queue, so only this call works it.
    const { Dynamo } = await import("@rushes/core/dynamo");
    const { ClipWorker } = await import("@rushes/core/clip/worker");
    const clipId = `clp_${"0".repeat(25)}1`;
    await Dynamo.entities.clip
      .create({
        clipId,
        owner: "video-clips",
        videoId: `vid_${"0".repeat(25)}1`,
        startAt: 0,
        endAt: 1000,
        accuracy: "exact",
        status: "pending",
        requestedAt: Date.now(),
      })
      .go();
    expect(await ClipWorker.process(clipId)).toBe("not_available");
    const { body } = await h.api(key, "GET", `/v1/clips/${clipId}`);
    expect(body).toMatchObject({ status: "not_available", error: { code: "not_available" } });
  });

  it("answers 404 for another owner's video, in any letter case", async () => {
    for (const id of [videoId, videoId.toUpperCase()]) {
      const res = await cut({ start: 1, end: 2 }, { k: otherKey, id });
      expect(res.status).toBe(404);
    }
  });
});
