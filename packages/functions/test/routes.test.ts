import type { Runtime } from "@rushes/local/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, type Reply, walkPages } from "../../../test/support/api";
import { startInProcess } from "../../../test/support/in-process";

// Routes in-process with app.request(), over real dynalite/s3rver/fauxqs from the local runtime.
// Event handlers are replaced by no-ops: these tests are about the HTTP contract only.
let h: Awaited<ReturnType<typeof startInProcess>>;
let runtime: Runtime;
let app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> };
let alice: string;
let bob: string;

/** Every status a route answered in this file; the docs test checks each one is documented. */
const observed: { method: string; path: string; status: number }[] = [];

const call: Api = async (key, method, path, body, init) => {
  const reply = await h.api(key, method, path, body, init);
  observed.push({ method: method.toLowerCase(), path, status: reply.status });
  return reply;
};

const upload = (key: string, extra: Record<string, unknown> = {}) =>
  call(key, "POST", "/v1/uploads", {
    filename: "a.mp4",
    contentType: "video/mp4",
    bytes: 1000,
    ...extra,
  });

beforeAll(async () => {
  h = await startInProcess({
    env: { RUSHES_MAX_UPLOAD_BYTES: "1000000", RUSHES_CLIP_MAX_SECONDS: "600" },
  });
  ({ runtime, app } = h);
  alice = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "alice" })).body.key;
  bob = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "bob" })).body.key;
});

afterAll(async () => {
  await h?.stop();
});

const expectError = (res: Reply, status: number, code: string) => {
  expect(res.status, res.text).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe("string");
  expect(res.text).not.toMatch(/at .*\.ts:\d+|stack/i);
};

describe("auth", () => {
  it("lets /health through without a key", async () => {
    expect((await call(undefined, "GET", "/health")).status).toBe(200);
  });

  it("answers 401 without a key, with a malformed header, and with a wrong key", async () => {
    expectError(await call(undefined, "GET", "/v1/videos"), 401, "unauthenticated");
    const res = await app.request("/v1/videos", { headers: { authorization: "Basic abc" } });
    expect(res.status).toBe(401);
    expectError(
      await call("rk_not_a_real_key_at_all_000000", "GET", "/v1/videos"),
      401,
      "invalid_key",
    );
    expectError(await call("x".repeat(5000), "GET", "/v1/videos"), 401, "invalid_key");
  });

  it("keeps key creation to the admin key, and stores only hashes", async () => {
    expectError(await call(alice, "POST", "/v1/keys", { owner: "mallory" }), 403, "forbidden");
    expectError(
      await call(runtime.devKey, "POST", "/v1/keys", { owner: "admin" }),
      409,
      "owner_reserved",
    );
    expectError(
      await call(runtime.devKey, "POST", "/v1/keys", { owner: "no spaces" }),
      400,
      "invalid_input",
    );
    const created = await call(runtime.devKey, "POST", "/v1/keys", { owner: "carol" });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^rk_/);
    const { Dynamo } = await import("@rushes/core/dynamo");
    const { ApiKey } = await import("@rushes/core/apikey");
    const stored = await Dynamo.entities.apiKey
      .get({ keyHash: ApiKey.hash(created.body.key) })
      .go();
    expect(stored.data?.owner).toBe("carol");
    expect(JSON.stringify(stored.data)).not.toContain(created.body.key);
  });
});

describe("POST /v1/uploads", () => {
  it("creates a video and a presigned POST for its server-generated key", async () => {
    const res = await upload(alice, { title: "Take 1", project: "launch", step: "rough" });
    expect(res.status).toBe(201);
    expect(res.body.video).toMatchObject({
      status: "awaiting_upload",
      title: "Take 1",
      project: "launch",
    });
    expect(res.body.video.id).toMatch(/^vid_[0-9a-z]{26}$/);
    expect(res.body.upload).toMatchObject({ method: "POST", maxBytes: 1000 });
    expect(res.body.upload.fields.key).toBe(`uploads/${res.body.video.id}/source`);
  });

  it.each([
    ["malformed JSON", undefined, "{nope", 400, "invalid_json"],
    [
      "wrong types",
      { filename: 1, contentType: "video/mp4", bytes: "big" },
      undefined,
      400,
      "invalid_input",
    ],
    [
      "a huge filename",
      { filename: "x".repeat(100_000), contentType: "video/mp4", bytes: 1 },
      undefined,
      413,
      "too_large",
    ],
    [
      "a long filename",
      { filename: "x".repeat(300), contentType: "video/mp4", bytes: 1 },
      undefined,
      400,
      "invalid_input",
    ],
    [
      "zero bytes",
      { filename: "a.mp4", contentType: "video/mp4", bytes: 0 },
      undefined,
      400,
      "invalid_input",
    ],
    [
      "a non-video type",
      { filename: "a.txt", contentType: "text/plain", bytes: 10 },
      undefined,
      415,
      "unsupported_type",
    ],
    [
      "a nonsense type",
      { filename: "a", contentType: "video", bytes: 10 },
      undefined,
      400,
      "invalid_input",
    ],
    [
      "too many bytes",
      { filename: "a.mp4", contentType: "video/mp4", bytes: 2_000_000 },
      undefined,
      413,
      "too_large",
    ],
    [
      "a step without project",
      { filename: "a.mp4", contentType: "video/mp4", bytes: 1, step: "s" },
      undefined,
      400,
      "invalid_input",
    ],
    [
      "an unknown camera",
      {
        filename: "a.mp4",
        contentType: "video/mp4",
        bytes: 1,
        camera: { cameraId: "nope", recordedAt: Date.now() },
      },
      undefined,
      404,
      "not_found",
    ],
  ])("answers %s with a clean error", async (_name, body, raw, status, code) => {
    expectError(await call(alice, "POST", "/v1/uploads", body, { raw }), status, code);
  });

  it("answers a body that is not JSON with 415", async () => {
    const res = await app.request("/v1/uploads", {
      method: "POST",
      headers: { authorization: `Bearer ${alice}`, "content-type": "text/plain" },
      body: JSON.stringify({ filename: "a.mp4", contentType: "video/mp4", bytes: 1 }),
    });
    expect(res.status).toBe(415);
    expect((await res.json()).error.code).toBe("unsupported_media_type");
  });
});

describe("videos", () => {
  it("isolates owners: another owner's video is a 404 exactly like a missing one", async () => {
    const { body } = await upload(alice);
    const id = body.video.id;
    expect((await call(alice, "GET", `/v1/videos/${id}`)).status).toBe(200);
    const foreign = await call(bob, "GET", `/v1/videos/${id}`);
    const missing = await call(bob, "GET", "/v1/videos/vid_00000000000000000000000000");
    expectError(foreign, 404, "not_found");
    expect(foreign.body).toEqual(missing.body);
    expectError(await call(bob, "GET", `/v1/videos/${id}/events`), 404, "not_found");
    expectError(await call(bob, "DELETE", `/v1/videos/${id}`), 404, "not_found");
    // Encoded, so the URL parser keeps it as one path segment and the route's id check sees it.
    const traversal = await call(bob, "GET", "/v1/videos/..%2F..%2Fetc%2Fpasswd");
    expect(traversal.body).toEqual({ error: { code: "not_found", message: "Video not found" } });
    expect(traversal.status).toBe(404);
    const dotted = await call(alice, "GET", `/v1/videos/${id}%2F..`);
    expect(dotted.body).toEqual({ error: { code: "not_found", message: "Video not found" } });
    const bobs = await call(bob, "GET", "/v1/videos?limit=100");
    expect(bobs.body.data.map((v: { id: string }) => v.id)).not.toContain(id);
  });

  it("pages newest first with opaque cursors, and refuses tampered ones", async () => {
    const key = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "pager" })).body.key;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await upload(key, { project: i % 2 ? "odd" : "even" })).body.video.id);
    const { ids: seen, pages } = await walkPages(call, key, "/v1/videos?limit=2");
    expect(seen).toEqual([...ids].reverse());
    expect(pages.length).toBeGreaterThanOrEqual(3);

    const first = await call(key, "GET", "/v1/videos?limit=2");
    const good: string = first.body.cursor;
    const flipped = good.slice(0, 5) + (good[5] === "A" ? "B" : "A") + good.slice(6);
    expectError(
      await call(key, "GET", `/v1/videos?cursor=${encodeURIComponent(flipped)}`),
      400,
      "invalid_cursor",
    );
    expectError(await call(key, "GET", "/v1/videos?cursor=garbage"), 400, "invalid_cursor");
    // A cursor is bound to its owner and filters.
    expectError(
      await call(alice, "GET", `/v1/videos?limit=2&cursor=${encodeURIComponent(good)}`),
      400,
      "invalid_cursor",
    );
    expectError(
      await call(key, "GET", `/v1/videos?limit=2&status=ready&cursor=${encodeURIComponent(good)}`),
      400,
      "invalid_cursor",
    );

    const odd = await call(key, "GET", "/v1/videos?project=odd");
    expect(odd.body.data.map((v: { id: string }) => v.id)).toEqual([ids[3], ids[1]]);
    const waiting = await call(key, "GET", "/v1/videos?status=awaiting_upload&project=even");
    expect(waiting.body.data).toHaveLength(3);
    expect((await call(key, "GET", "/v1/videos?status=ready")).body.data).toEqual([]);
  });

  it.each([
    ["limit=0", "invalid_input"],
    ["limit=1000", "invalid_input"],
    ["limit=abc", "invalid_input"],
    ["status=bogus", "invalid_input"],
    ["step=s", "invalid_input"],
  ])("rejects ?%s", async (query, code) => {
    expectError(await call(alice, "GET", `/v1/videos?${query}`), 400, code);
  });

  it("returns history and deletes the record with its objects", async () => {
    const { body } = await upload(alice);
    const id = body.video.id;
    const events = await call(alice, "GET", `/v1/videos/${id}/events`);
    expect(events.body.data.map((e: { type: string }) => e.type)).toEqual(["created"]);
    const deleted = await call(alice, "DELETE", `/v1/videos/${id}`);
    expect(deleted.status).toBe(204);
    expectError(await call(alice, "GET", `/v1/videos/${id}`), 404, "not_found");
  });
});

describe("cameras and clips", () => {
  it("scopes cameras by owner", async () => {
    const created = await call(alice, "POST", "/v1/cameras", { alias: "Pier", cameraId: "pier-1" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: "pier-1", alias: "Pier" });
    expectError(
      await call(alice, "POST", "/v1/cameras", { alias: "Again", cameraId: "pier-1" }),
      409,
      "camera_exists",
    );
    expectError(await call(bob, "GET", "/v1/cameras/pier-1"), 404, "not_found");
    // Bob may use the same id for his own camera.
    expect(
      (await call(bob, "POST", "/v1/cameras", { alias: "Mine", cameraId: "pier-1" })).status,
    ).toBe(201);
  });

  it("validates clip windows", async () => {
    await call(alice, "POST", "/v1/cameras", { alias: "Beach", cameraId: "beach" });
    const now = Date.now();
    const clip = (body: Record<string, unknown>) =>
      call(alice, "POST", "/v1/clips", { cameraId: "beach", ...body });
    expectError(
      await clip({ start: now - 4 * 86400_000, end: now - 4 * 86400_000 + 10_000 }),
      422,
      "out_of_range",
    );
    expectError(await clip({ start: now - 60_000, end: now - 120_000 }), 422, "invalid_window");
    expectError(await clip({ start: now - 700_000, end: now }), 422, "too_long");
    expectError(await clip({ start: "yesterday", end: now }), 400, "invalid_input");
    expectError(
      await call(bob, "POST", "/v1/clips", { cameraId: "beach", start: now - 10_000, end: now }),
      404,
      "not_found",
    );
    const ok = await clip({
      start: new Date(now - 20_000).toISOString(),
      end: now - 10_000,
      accuracy: "fast",
    });
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ status: "pending", cameraId: "beach", accuracy: "fast" });
    expectError(await call(bob, "GET", `/v1/clips/${ok.body.id}`), 404, "not_found");
    const listed = await call(alice, "GET", "/v1/clips?cameraId=beach");
    expect(listed.body.data.map((c: { id: string }) => c.id)).toContain(ok.body.id);
  });
});

describe("quotas", () => {
  it("lets only the admin key set quotas, and refuses the hour's clips past the limit with 429", async () => {
    expectError(
      await call(alice, "PUT", "/v1/owners/alice/quotas", { hourlyClips: 1000 }),
      403,
      "forbidden",
    );
    expectError(
      await call(runtime.devKey, "PUT", "/v1/owners/alice/quotas", { hourlyClips: -1 }),
      400,
      "invalid_input",
    );
    await call(alice, "POST", "/v1/cameras", { alias: "Quay", cameraId: "quay" });
    const now = Date.now();
    const clip = () =>
      call(alice, "POST", "/v1/clips", {
        cameraId: "quay",
        start: now - 20_000,
        end: now - 10_000,
      });
    // Whatever the hour already counted, the limit is one more than that.
    const before = (await call(alice, "GET", "/v1/usage")).body;
    const used = before.quotas.find((q: { name: string }) => q.name === "hourlyClips").usage;
    const set = await call(runtime.devKey, "PUT", "/v1/owners/alice/quotas", {
      hourlyClips: used + 1,
    });
    expect(set.status, set.text).toBe(200);
    expect(set.body.owner).toBe("alice");
    expect((await clip()).status).toBe(202);
    const refused = await clip();
    expectError(refused, 429, "quota_exceeded");
    expect(refused.body.error.quota).toMatchObject({
      name: "hourlyClips",
      usage: used + 1,
      limit: used + 1,
    });
    const retry = Number(refused.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(0);
    expect(retry).toBeLessThanOrEqual(3600);
    // Bob's hour is his own.
    await call(bob, "POST", "/v1/cameras", { alias: "Quay", cameraId: "quay" });
    expect(
      (
        await call(bob, "POST", "/v1/clips", {
          cameraId: "quay",
          start: now - 20_000,
          end: now - 10_000,
        })
      ).status,
    ).toBe(202);
    // Back to the default.
    const reset = await call(runtime.devKey, "PUT", "/v1/owners/alice/quotas", {
      hourlyClips: null,
    });
    expect(reset.body.quotas.find((q: { name: string }) => q.name === "hourlyClips")).toMatchObject(
      {
        limit: 600,
        default: true,
      },
    );
  });
});

describe("errors and docs", () => {
  it("answers unknown routes with the JSON error shape", async () => {
    expectError(await call(alice, "GET", "/v1/nope"), 404, "not_found");
  });

  it("documents every route the app serves", async () => {
    const { app: api } = await import("@rushes/functions/api");
    const doc = (await call(undefined, "GET", "/openapi.json")).body;
    expect(doc.openapi).toBe("3.1.0");
    const served = new Set(
      (api as unknown as { routes: { method: string; path: string }[] }).routes
        .filter((r) => r.method !== "ALL" && !r.path.startsWith("/docs"))
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops as object).map((m) => `${m} ${path}`),
      ),
    );
    // The comparison below proves nothing over an empty or partial list: pin routes it must see.
    for (const known of [
      "post /v1/uploads",
      "get /v1/videos",
      "get /v1/videos/{id}",
      "get /v1/videos/{id}/events",
      "delete /v1/videos/{id}",
      "post /v1/cameras",
      "get /v1/cameras/{id}",
      "post /v1/clips",
      "get /v1/clips",
      "get /v1/clips/{id}",
      "post /v1/keys",
      "get /health",
    ]) {
      expect(served, known).toContain(known);
    }
    // An empty list on either side would make the comparison vacuous.
    expect(served.size).toBeGreaterThanOrEqual(12);
    expect([...documented].sort()).toEqual([...served].sort());
    // Every status this file saw a documented route answer is among that operation's responses.
    const templates = Object.entries(doc.paths).map(([path, ops]) => ({
      pattern: new RegExp(`^${path.replace(/\{\w+\}/g, "[^/]+")}$`),
      ops: ops as Record<string, { responses: Record<string, unknown> }>,
    }));
    let checked = 0;
    for (const { method, path, status } of observed) {
      const op = templates.find((t) => t.pattern.test(path.split("?")[0]!))?.ops[method];
      if (!op) continue;
      checked++;
      expect(Object.keys(op.responses), `${method} ${path} answered ${status}`).toContain(
        String(status),
      );
    }
    expect(checked).toBeGreaterThan(50);
    // An upload's body, or a URL ingest's: one component each.
    const body = doc.paths["/v1/uploads"].post.requestBody.content["application/json"].schema;
    const named = (ref: { $ref: string }) =>
      doc.components.schemas[ref.$ref.replace("#/components/schemas/", "")];
    const [upload, fromUrl] = (body.anyOf ?? body.oneOf).map(named);
    expect(upload.properties.bytes).toBeDefined();
    expect(upload.required).toContain("bytes");
    expect(fromUrl.required).toEqual(["url"]);
  });

  it("serves the docs page and its renderer from files, with a favicon", async () => {
    const page = await app.request("/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('data-url="/openapi.json"');
    const scripts = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!);
    const icons = [...html.matchAll(/rel="icon" href="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).toEqual(["/docs/scalar.js"]);
    expect(icons).toEqual(["/docs/favicon.svg"]);
    // Everything the page loads is served here: no CDN.
    for (const url of [...scripts, ...icons]) {
      const res = await app.request(url);
      expect(res.status, url).toBe(200);
      expect((await res.arrayBuffer()).byteLength, url).toBeGreaterThan(100);
    }
    expectError(await call(undefined, "GET", "/docs/nope.js"), 404, "not_found");
    expectError(await call(undefined, "GET", "/docs/..%2Fopenapi.ts"), 404, "not_found");
  });
});
