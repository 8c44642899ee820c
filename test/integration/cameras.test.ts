import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVideo } from "../support/media";
import { type Harness, startHarness } from "./harness";

// A camera's recordings end to end: real uploads through presigned POSTs, real ffmpeg ingest,
// then the listing answers them in time order with the gap the clip worker would wait on.
let h: Harness;
let key: string;
let dir: string;
const T0 = Date.now() - 3600_000;
const ids: string[] = [];

beforeAll(async () => {
  h = await startHarness({ env: { RUSHES_THUMBNAIL_WIDTHS: "160" } });
  dir = h.dir;
  key = await h.newKey("cams");
  expect(
    (await h.api(key, "POST", "/v1/cameras", { alias: "Gate", cameraId: "gate" })).status,
  ).toBe(201);
  const file = await generateVideo({
    path: join(dir, "rec.mp4"),
    seconds: 2,
    width: 320,
    height: 180,
  });
  // [T0, T0+2s) and [T0+2s, T0+4s) back to back, then [T0+9s, T0+11s): a 5 s gap.
  for (const offset of [9000, 0, 2000]) {
    const id = await h.upload(key, file, {
      extra: { camera: { cameraId: "gate", recordedAt: T0 + offset } },
    });
    ids.push(id);
  }
  for (const id of ids) {
    expect((await h.waitForStatus(key, id, ["ready", "failed", "rejected"])).status).toBe("ready");
  }
}, 240_000);

afterAll(async () => {
  await h?.stop();
});

describe("camera recordings", () => {
  it("answers three recordings in time order with one gap, and pages", async () => {
    const [late, first, second] = ids;
    const window = `start=${T0 - 500}&end=${new Date(T0 + 11_500).toISOString()}`;
    const all = await h.api(key, "GET", `/v1/cameras/gate/recordings?${window}`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((r: { videoId: string }) => r.videoId)).toEqual([first, second, late]);
    expect(all.body.gaps).toHaveLength(1);
    const [gap] = all.body.gaps;
    // The gap runs from the second recording's last frame (its probed duration) to the third.
    const secondEnd = Date.parse(all.body.data[1].endAt);
    expect(Date.parse(gap.startAt)).toBe(secondEnd);
    expect(secondEnd - (T0 + 4000)).toBeLessThan(200);
    expect(gap.endAt).toBe(new Date(T0 + 9000).toISOString());
    for (const recording of all.body.data) {
      expect(recording.durationMs).toBeGreaterThan(1800);
      // The presigned URLs work: the rendition and the thumbnail download.
      const video = await fetch(recording.url);
      expect(video.status).toBe(200);
      expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      expect((await fetch(recording.thumbnail.url)).headers.get("content-type")).toMatch(/jpeg/);
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: {
        status: number;
        body: { data: { videoId: string }[]; cursor: string | null; gaps: unknown[] };
      } = await h.api(
        key,
        "GET",
        `/v1/cameras/gate/recordings?${window}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      expect(page.body.gaps).toEqual(all.body.gaps);
      seen.push(...page.body.data.map((r) => r.videoId));
      cursor = page.body.cursor;
    } while (cursor);
    expect(seen).toEqual([first, second, late]);
  });

  it("lists the camera to its owner only", async () => {
    const cameras = await h.api(key, "GET", "/v1/cameras");
    expect(cameras.body.data).toEqual([expect.objectContaining({ id: "gate", alias: "Gate" })]);
    const other = await h.newKey("someone-else");
    expect((await h.api(other, "GET", "/v1/cameras")).body.data).toEqual([]);
    expect((await h.api(other, "GET", "/v1/cameras/gate/recordings")).status).toBe(404);
  });
});

describe("API keys over HTTP", () => {
  it("a revoked key answers 401", async () => {
    const created = await h.api(h.runtime.devKey, "POST", "/v1/keys", { owner: "temp" });
    expect((await h.api(created.body.key, "GET", "/v1/videos")).status).toBe(200);
    const listed = await h.api(created.body.key, "GET", "/v1/keys");
    expect(listed.body.data).toEqual([
      expect.objectContaining({ id: created.body.id, owner: "temp" }),
    ]);
    expect(listed.body.data[0].lastUsedAt).not.toBeNull();
    expect((await h.api(created.body.key, "DELETE", `/v1/keys/${created.body.id}`)).status).toBe(
      204,
    );
    const after = await h.api(created.body.key, "GET", "/v1/videos");
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe("invalid_key");
  });
});
