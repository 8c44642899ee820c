import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVideo } from "../support/media";
import { type Harness, postToPresigned, startHarness } from "./harness";

// Idempotency-Key and the numeric step over real HTTP against the runtime: a replayed upload's
// presigned POST really uploads, and racing duplicates create one video.
let h: Harness;
let key: string;
let dir: string;
let file: string;

const post = async (path: string, body: unknown, idempotencyKey?: string) => {
  const res = await fetch(`${h.runtime.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
      ...(idempotencyKey ? { "idempotency-key": idempotencyKey } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: await res.json(),
    replayed: res.headers.get("idempotent-replayed"),
  };
};

beforeAll(async () => {
  h = await startHarness({ env: { RUSHES_THUMBNAIL_WIDTHS: "160" } });
  dir = h.dir;
  key = await h.newKey("idem");
  file = await generateVideo({ path: join(dir, "a.mp4"), seconds: 1, width: 320, height: 180 });
});

afterAll(async () => {
  await h?.stop();
});

describe("Idempotency-Key", () => {
  it("replays an upload with the same video, and its re-signed POST uploads", async () => {
    const bytes = await readFile(file);
    const body = { filename: "a.mp4", contentType: "video/mp4", bytes: bytes.length };
    const first = await post("/v1/uploads", body, "retry-after-timeout");
    const replay = await post("/v1/uploads", body, "retry-after-timeout");
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.replayed).toBe("true");
    expect(replay.body.video.id).toBe(first.body.video.id);
    // The client that lost the first answer uploads with the replayed one.
    const posted = await postToPresigned(replay.body.upload, bytes);
    expect(posted.status).toBeLessThan(300);
    expect(
      (await h.waitForStatus(key, first.body.video.id, ["ready", "failed", "rejected"])).status,
    ).toBe("ready");
    const mismatch = await post("/v1/uploads", { ...body, title: "other" }, "retry-after-timeout");
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error.code).toBe("idempotency_mismatch");
  });

  it("creates one camera and one clip from concurrent duplicates", async () => {
    const cameras = await Promise.all(
      Array.from({ length: 5 }, () => post("/v1/cameras", { alias: "Dock" }, "make-dock")),
    );
    const made = cameras.filter((r) => r.status === 201);
    expect(made.length).toBeGreaterThanOrEqual(1);
    for (const r of cameras.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("idempotency_in_progress");
    }
    expect(new Set(made.map((r) => r.body.id)).size).toBe(1);
    const listed = (await h.api(key, "GET", "/v1/cameras")).body.data;
    expect(listed.filter((c: { alias: string }) => c.alias === "Dock")).toHaveLength(1);

    const cameraId = made[0]!.body.id;
    const now = Date.now();
    const clip = { cameraId, start: now - 30_000, end: now - 20_000 };
    const clips = await Promise.all(
      Array.from({ length: 5 }, () => post("/v1/clips", clip, "clip-once")),
    );
    const accepted = clips.filter((r) => r.status === 202);
    expect(new Set(accepted.map((r) => r.body.id)).size).toBe(1);
    expect((await h.api(key, "GET", `/v1/clips?cameraId=${cameraId}`)).body.data).toHaveLength(1);
    // Once the first finished, a retry is a replay, never a second clip.
    const late = await post("/v1/clips", clip, "clip-once");
    expect(late.status).toBe(202);
    expect(late.body.id).toBe(accepted[0]!.body.id);
  });
});

describe("step", () => {
  it('takes "step": 0, returns "0", and ?step=0 finds it and "0"', async () => {
    const base = { filename: "a.mp4", contentType: "video/mp4", bytes: 10, project: "seed" };
    const numeric = await post("/v1/uploads", { ...base, step: 0 });
    expect(numeric.status).toBe(201);
    expect(numeric.body.video.step).toBe("0");
    const text = await post("/v1/uploads", { ...base, step: "0" });
    const other = await post("/v1/uploads", { ...base, step: 1 });
    const found = await h.api(key, "GET", "/v1/videos?project=seed&step=0");
    expect(found.body.data.map((v: { id: string }) => v.id).sort()).toEqual(
      [numeric.body.video.id, text.body.video.id].sort(),
    );
    expect(found.body.data.map((v: { id: string }) => v.id)).not.toContain(other.body.video.id);
  });
});
