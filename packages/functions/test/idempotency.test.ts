import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, startApp } from "./app";

let h: Awaited<ReturnType<typeof startApp>>;
let alice: string;
let bob: string;

const body = { filename: "a.mp4", contentType: "video/mp4", bytes: 1000 };
const keyed = (key: string) => ({ "idempotency-key": key });

beforeAll(async () => {
  h = await startApp();
  alice = await h.newKey("alice");
  bob = await h.newKey("bob");
  await h.call(alice, "POST", "/v1/cameras", { alias: "Pier", cameraId: "pier" });
});

afterAll(async () => {
  await h?.stop();
});

const videoCount = async (key: string) => (await h.call(key, "GET", "/v1/videos")).body.data.length;

describe("Idempotency-Key", () => {
  it("replays an upload with the same ids and status, and a freshly signed POST", async () => {
    const first = await h.call(alice, "POST", "/v1/uploads", body, keyed("upload-1"));
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    // Same body, other key order and spacing: the same request.
    const again = await h.call(
      alice,
      "POST",
      "/v1/uploads",
      ' { "bytes": 1000, "contentType": "video/mp4", "filename": "a.mp4" } ',
      keyed("upload-1"),
    );
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.video).toEqual(first.body.video);
    expect(again.body.upload.url).toBe(first.body.upload.url);
    expect(again.body.upload.fields.key).toBe(first.body.upload.fields.key);
    expect(again.body.upload.expiresAt).toBe(first.body.upload.expiresAt);
    expect(again.body.upload.fields.Policy).toBeDefined();
    // The policy still expires when the first one did.
    const policy = (p: string) => JSON.parse(Buffer.from(p, "base64").toString()).expiration;
    expect(
      Math.abs(
        Date.parse(policy(again.body.upload.fields.Policy)) -
          Date.parse(first.body.upload.expiresAt),
      ),
    ).toBeLessThanOrEqual(2000);
    expect(await videoCount(alice)).toBe(1);
  });

  it("refuses the same key with a different request, and another route, with 422", async () => {
    await h.call(alice, "POST", "/v1/uploads", body, keyed("upload-2"));
    expectError(
      await h.call(alice, "POST", "/v1/uploads", { ...body, bytes: 999 }, keyed("upload-2")),
      422,
      "idempotency_mismatch",
    );
    expectError(
      await h.call(alice, "POST", "/v1/cameras", { alias: "X" }, keyed("upload-2")),
      422,
      "idempotency_mismatch",
    );
  });

  it("scopes keys per owner and keeps them case-exact", async () => {
    const mine = await h.call(alice, "POST", "/v1/cameras", { alias: "A" }, keyed("cam-key"));
    const theirs = await h.call(bob, "POST", "/v1/cameras", { alias: "A" }, keyed("cam-key"));
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(theirs.body.id).not.toBe(mine.body.id);
    const upper = await h.call(alice, "POST", "/v1/cameras", { alias: "A" }, keyed("CAM-KEY"));
    expect(upper.body.id).not.toBe(mine.body.id);
    const replay = await h.call(alice, "POST", "/v1/cameras", { alias: "A" }, keyed("cam-key"));
    expect(replay.body).toEqual(mine.body);
    expect((await h.call(bob, "GET", `/v1/cameras/${mine.body.id}`)).status).toBe(404);
  });

  it("replays a clip request as the first 202", async () => {
    const now = Date.now();
    const clip = { cameraId: "pier", start: now - 60_000, end: now - 50_000 };
    const first = await h.call(alice, "POST", "/v1/clips", clip, keyed("clip-1"));
    expect(first.status).toBe(202);
    const again = await h.call(alice, "POST", "/v1/clips", clip, keyed("clip-1"));
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    const listed = (await h.call(alice, "GET", "/v1/clips?cameraId=pier")).body.data;
    expect(listed.filter((c: { id: string }) => c.id === first.body.id)).toHaveLength(1);
    expect(listed).toHaveLength(1);
  });

  it("keeps no error: after a 4xx the key is free for a corrected request", async () => {
    expectError(
      await h.call(
        alice,
        "POST",
        "/v1/uploads",
        { ...body, contentType: "text/plain" },
        keyed("fix-me"),
      ),
      415,
      "unsupported_type",
    );
    expect((await h.call(alice, "POST", "/v1/uploads", body, keyed("fix-me"))).status).toBe(201);
  });

  it("lets two concurrent requests with one key create one object; the loser answers 409", async () => {
    const before = await videoCount(bob);
    const replies = await Promise.all(
      Array.from({ length: 4 }, () => h.call(bob, "POST", "/v1/uploads", body, keyed("race"))),
    );
    const created = replies.filter((r) => r.status === 201);
    for (const r of replies.filter((r) => r.status !== 201)) {
      expectError(r, 409, "idempotency_in_progress");
      expect(r.headers.get("retry-after")).toBe("1");
    }
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.video.id)).size).toBe(1);
    expect(await videoCount(bob)).toBe(before + 1);
  });

  it("validates the key", async () => {
    expectError(
      await h.call(alice, "POST", "/v1/cameras", { alias: "A" }, keyed("x".repeat(256))),
      400,
      "invalid_idempotency_key",
    );
    expect(
      (await h.call(alice, "POST", "/v1/cameras", { alias: "A" }, keyed("x".repeat(255)))).status,
    ).toBe(201);
  });

  it("takes over a key whose request died holding it", async () => {
    const { Idempotency } = await import("@rushes/core/idempotency");
    const { Actor } = await import("@rushes/core/actor");
    const fp = Idempotency.fingerprint("POST", "/v1/cameras", JSON.stringify({ alias: "Dead" }));
    const then = Date.now() - 2 * Idempotency.lockMs;
    await Actor.provide({ owner: "alice", admin: false }, () =>
      Idempotency.begin("dead", fp, then),
    );
    const res = await h.call(alice, "POST", "/v1/cameras", { alias: "Dead" }, keyed("dead"));
    expect(res.status).toBe(201);
  });
});

describe("step", () => {
  it('takes a number or a slug, stores a string, and ?step=0 finds both 0 and "0"', async () => {
    const a = await h.call(alice, "POST", "/v1/uploads", { ...body, project: "seed", step: 0 });
    expect(a.status, a.text).toBe(201);
    expect(a.body.video.step).toBe("0");
    const b = await h.call(alice, "POST", "/v1/uploads", { ...body, project: "seed", step: "0" });
    expect(b.body.video.step).toBe("0");
    const c = await h.call(alice, "POST", "/v1/uploads", { ...body, project: "seed", step: 12 });
    expect(c.body.video.step).toBe("12");
    const found = await h.call(alice, "GET", "/v1/videos?project=seed&step=0");
    expect(found.body.data.map((v: { id: string }) => v.id).sort()).toEqual(
      [a.body.video.id, b.body.video.id].sort(),
    );
    expect((await h.call(alice, "GET", `/v1/videos/${a.body.video.id}`)).body.step).toBe("0");
    for (const step of [-1, 1.5, "", "a/b"]) {
      expectError(
        await h.call(alice, "POST", "/v1/uploads", { ...body, project: "seed", step }),
        400,
        "invalid_input",
      );
    }
  });
});
