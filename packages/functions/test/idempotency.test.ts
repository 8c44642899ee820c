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

  it("counts the limit in bytes, and says so (issue 21, item 10)", async () => {
    // A header arrives as one character per byte: 85 CJK characters are 255 bytes of UTF-8.
    const cjk = (n: number) => Buffer.from("鍵".repeat(n)).toString("latin1");
    const over = await h.call(alice, "POST", "/v1/cameras", { alias: "K" }, keyed(cjk(86)));
    expectError(over, 400, "invalid_idempotency_key");
    expect(over.body.error.message).toContain("255 bytes");
    expect(over.body.error.message).not.toContain("characters");
    const fits = await h.call(alice, "POST", "/v1/cameras", { alias: "K" }, keyed(cjk(85)));
    expect(fits.status, fits.text).toBe(201);
    const again = await h.call(alice, "POST", "/v1/cameras", { alias: "K" }, keyed(cjk(85)));
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    // A runtime that decoded UTF-8 already hands over characters: the same bytes count.
    const { Idempotency } = await import("@rushes/core/idempotency");
    expect(Idempotency.checkKey("鍵".repeat(85))).toBe("鍵".repeat(85));
    expect(() => Idempotency.checkKey("鍵".repeat(86))).toThrow(/255 bytes/);
  });

  it("answers a replay after the video was deleted as a deleted video: 404 (item 9)", async () => {
    const first = await h.call(alice, "POST", "/v1/uploads", body, keyed("deleted-later"));
    expect(first.status).toBe(201);
    const deleted = await h.call(alice, "DELETE", `/v1/videos/${first.body.video.id}`);
    expect(deleted.status).toBe(204);
    const replay = await h.call(alice, "POST", "/v1/uploads", body, keyed("deleted-later"));
    expectError(replay, 404, "not_found");
    expect(replay.text).not.toContain("x-amz-signature");
  });

  it("reclaims a key once its 24 h are over, even for another request (audit item 21)", async () => {
    const { Idempotency } = await import("@rushes/core/idempotency");
    const { Actor } = await import("@rushes/core/actor");
    const fp = (alias: string) =>
      Idempotency.fingerprint("POST", "/v1/cameras", JSON.stringify({ alias }));
    const t0 = Date.now();
    await Actor.provide({ owner: "alice", admin: false }, async () => {
      expect(await Idempotency.begin("day-old", fp("First"), t0)).toEqual({ kind: "new" });
      await Idempotency.complete("day-old", fp("First"), 201, { id: "cam_first" });
      // Within the 24 h: the first response, and a different request is refused.
      expect(await Idempotency.begin("day-old", fp("First"), t0 + Idempotency.keepMs - 1)).toEqual({
        kind: "replay",
        status: 201,
        body: { id: "cam_first" },
      });
      expect(await Idempotency.begin("day-old", fp("Second"), t0 + Idempotency.keepMs - 1)).toEqual(
        { kind: "mismatch" },
      );
      // After them, the key is free: a new request under it runs.
      expect(await Idempotency.begin("day-old", fp("Second"), t0 + Idempotency.keepMs + 1)).toEqual(
        { kind: "new" },
      );
    });
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
