// URL ingest end to end: POST /v1/uploads {url} through the API, the Fetch function on its queue,
// the engine against a local HTTP server the test controls, then ingest from the same
// ObjectCreated as an upload. The engine's own cases are in fetch-engine.test.ts.
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { openUploads, paddedVideo, storedObject } from "../support/fetched";
import { generateVideo } from "../support/media";
import { type Origin, type OriginFile, startOrigin } from "../support/origin";
import { waitUntil } from "../support/wait";
import { type Harness, startHarness } from "./harness";

const MiB = 1024 ** 2;

let h: Harness;
let origin: Origin;
let s3: S3Client;
let key: string;
let video: string;
let n = 0;

beforeAll(async () => {
  h = await startHarness({
    env: { RUSHES_MULTIPART_PART_BYTES: String(5 * MiB), RUSHES_FETCH_ALLOW_LOCAL: "true" },
  });
  origin = await startOrigin();
  s3 = new S3Client({ forcePathStyle: true });
  key = await h.newKey("fetcher");
  video = await generateVideo({ path: `${h.dir}/take.mp4`, seconds: 2 });
}, 120_000);

afterAll(async () => {
  vi.restoreAllMocks();
  s3?.destroy();
  await origin?.close();
  await h?.stop();
});

beforeEach(() => {
  origin.cuts.length = 0;
  origin.stall.at = undefined;
  origin.hooks.onCut = undefined;
});

/** Serves a file at a new path on `on` (the test's origin by default). */
const serve = (file: Partial<OriginFile> & { size: number }, on = origin) => {
  const path = `/take-${++n}.mp4`;
  const served: OriginFile = { seed: n, ranges: true, contentLength: true, ...file };
  on.files.set(path, served);
  return {
    url: on.url(path),
    file: served,
    requests: () => on.requests.filter((r) => r.path === path),
  };
};

/** Settings changed for one test, in this process (the API and the Fetch function run here). */
async function withSettings<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const { Config } = await import("@rushes/core/config");
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  Config.reset();
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    Config.reset();
  }
}

async function fetchFrom(url: string, extra: Record<string, unknown> = {}) {
  const res = await h.api(key, "POST", "/v1/uploads", { url, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body.video.status).toBe("fetching");
  return res.body.video.id as string;
}

const history = async (id: string) =>
  (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data as Array<{
    type: string;
    detail?: Record<string, unknown>;
  }>;

const uploadKey = (id: string) => `uploads/${id}/source`;
const open = (id: string) => openUploads(h.dataDir, h.runtime.resources.bucket, uploadKey(id));
const source = (id: string) => storedObject(s3, h.runtime.resources.bucket, `sources/${id}/source`);

describe("POST /v1/uploads with a url", () => {
  it("answers 400 for a URL that is not http or https, before anything is fetched", async () => {
    for (const url of ["ftp://example.com/a.mp4", "not a url", "file:///etc/passwd"]) {
      const res = await h.api(key, "POST", "/v1/uploads", { url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe("invalid_url");
    }
  });

  it("a replay with the same Idempotency-Key answers the same video, fetched once", async () => {
    const f = serve({ size: 0, content: () => Buffer.alloc(0) });
    const padded = await paddedVideo(video, 6 * MiB);
    Object.assign(f.file, { size: padded.size, content: padded.content });
    const headers = { "idempotency-key": `fetch-${n}` };
    const first = await h.api(key, "POST", "/v1/uploads", { url: f.url }, { headers });
    const again = await h.api(key, "POST", "/v1/uploads", { url: f.url }, { headers });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.video.id).toBe(first.body.video.id);
    await h.waitForStatus(key, first.body.video.id, ["ready", "failed", "rejected"], 120_000);
    expect(f.requests()).toHaveLength(1);
  }, 180_000);
});

describe("resuming", () => {
  it("a 200 MB file cut twice mid-way ends ready with the same bytes", async () => {
    const padded = await paddedVideo(video, 200_000_000);
    const f = serve({ size: padded.size, content: padded.content, etag: '"take-v1"' });
    origin.cuts.push(70_000_000, 140_000_000);
    const id = await fetchFrom(f.url);
    const done = await h.waitForStatus(key, id, ["ready", "failed", "rejected"], 540_000);
    expect(done.status, JSON.stringify(done.error)).toBe("ready");
    expect(done.fetch).toMatchObject({ url: f.url, bytes: padded.size });
    // Two resumes with Range, against the ETag.
    const ranged = f.requests().filter((r) => r.range);
    expect(ranged).toHaveLength(2);
    expect(ranged.every((r) => r.ifRange === '"take-v1"')).toBe(true);
    expect(await source(id)).toEqual({ sha256: padded.sha256, bytes: padded.size });
    const types = (await history(id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["created", "fetch_completed", "processing"]));
    expect(await open(id)).toEqual([]);
  }, 600_000);

  it("a server without ranges restarts once from the first byte, and the video ends ready", async () => {
    const padded = await paddedVideo(video, 16 * MiB);
    const f = serve({ size: padded.size, content: padded.content, ranges: false, etag: '"r"' });
    origin.cuts.push(11 * MiB);
    const id = await fetchFrom(f.url);
    const done = await h.waitForStatus(key, id, ["ready", "failed", "rejected"], 240_000);
    expect(done.status, JSON.stringify(done.error)).toBe("ready");
    // The video's size is the file's once fetched, not the limit it was fetched under.
    expect(done.bytes).toBe(padded.size);
    expect(f.requests()).toHaveLength(2);
    expect(await source(id)).toEqual({ sha256: padded.sha256, bytes: padded.size });
  }, 300_000);
});

describe("failures", () => {
  it("the validator changes mid-way: failed fetch_changed, the upload aborted", async () => {
    const f = serve({ size: 20 * MiB, etag: '"v1"' });
    origin.cuts.push(12 * MiB);
    origin.hooks.onCut = () => {
      f.file.etag = '"v2"';
      f.file.seed += 1000;
    };
    const id = await fetchFrom(f.url);
    const done = await h.waitForStatus(key, id, ["failed", "ready", "rejected"], 120_000);
    expect(done.error?.code).toBe("fetch_changed");
    expect(await open(id)).toEqual([]);
    const failed = (await history(id)).find((e) => e.type === "failed");
    expect(failed?.detail?.code).toBe("fetch_changed");
  }, 180_000);

  it("a redirect to 127.0.0.1 while the local exception is off: fetch_refused, never connected", async () => {
    // A second origin stands in for a public server: 127.0.0.2 counts as public for this test,
    // and its port is allowed, so only the redirect's target can be what is refused.
    const { Address } = await import("@rushes/core/net/address");
    const isPublic = Address.isPublic;
    const publicOrigin = await startOrigin("127.0.0.2");
    const spies = [
      vi.spyOn(Address, "isPublic").mockImplementation((a) => a === "127.0.0.2" || isPublic(a)),
      vi.spyOn(Address, "refusedPort").mockReturnValue(undefined),
    ];
    try {
      const target = serve({ size: 6 * MiB });
      publicOrigin.redirects.set("/moved.mp4", { status: 302, location: target.url });
      const id = await withSettings({ RUSHES_FETCH_ALLOW_LOCAL: "false" }, async () => {
        const id = await fetchFrom(publicOrigin.url("/moved.mp4"));
        await h.waitForStatus(key, id, ["failed", "ready", "rejected"], 60_000);
        return id;
      });
      const done = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
      expect(done.error.code).toBe("fetch_refused");
      expect(done.error.message).toContain("127.0.0.1");
      expect(publicOrigin.requests.map((r) => r.path)).toEqual(["/moved.mp4"]);
      expect(target.requests()).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
      await publicOrigin.close();
    }
  }, 120_000);

  it("a body past the size limit: fetch_too_large, the multipart upload aborted", async () => {
    // No Content-Length: the body itself grows past the limit.
    const f = serve({ size: 30 * MiB, contentLength: false });
    const id = await withSettings({ RUSHES_MAX_UPLOAD_BYTES: String(12 * MiB) }, async () => {
      const id = await fetchFrom(f.url);
      await h.waitForStatus(key, id, ["failed", "ready", "rejected"], 120_000);
      return id;
    });
    const done = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
    expect(done.error.code).toBe("fetch_too_large");
    expect(await open(id)).toEqual([]);
  }, 180_000);

  it("an HTTP error ends failed fetch_http_error with the status", async () => {
    const id = await fetchFrom(origin.url("/nothing-here.mp4"));
    const done = await h.waitForStatus(key, id, ["failed", "ready", "rejected"], 60_000);
    expect(done.error).toMatchObject({ code: "fetch_http_error", status: 404 });
  }, 120_000);

  it("a stall: fetch_timeout, the multipart upload aborted", async () => {
    const f = serve({ size: 20 * MiB });
    origin.stall.at = 7 * MiB;
    const id = await withSettings({ RUSHES_FETCH_STALL_SECONDS: "1" }, async () => {
      const id = await fetchFrom(f.url);
      await h.waitForStatus(key, id, ["failed", "ready", "rejected"], 120_000);
      return id;
    });
    const done = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
    expect(done.error.code).toBe("fetch_timeout");
    expect(await open(id)).toEqual([]);
  }, 180_000);
});

describe("DELETE /v1/uploads/:id", () => {
  it("stops a running fetch: cancelled, its multipart upload aborted", async () => {
    const f = serve({ size: 40 * MiB });
    // Held open with no byte after the first part, so the fetch is running when it is cancelled.
    origin.stall.at = 8 * MiB;
    const id = await fetchFrom(f.url);
    await waitUntil("the fetch's multipart upload", async () => (await open(id)).length === 1, {
      timeoutMs: 60_000,
    });
    const res = await h.api(key, "DELETE", `/v1/uploads/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("cancelled");
    // The running fetch notices within a few seconds and aborts its own upload.
    await waitUntil("the upload aborted", async () => (await open(id)).length === 0, {
      timeoutMs: 30_000,
    });
    expect((await h.api(key, "GET", `/v1/videos/${id}`)).body.status).toBe("cancelled");
    expect((await h.api(key, "DELETE", `/v1/uploads/${id}`)).status).toBe(200);
  }, 120_000);

  it("DELETE /v1/videos/:id during a fetch: the record goes, the fetch stops, its upload is aborted", async () => {
    const f = serve({ size: 40 * MiB });
    origin.stall.at = 8 * MiB;
    const id = await fetchFrom(f.url);
    await waitUntil("the fetch's multipart upload", async () => (await open(id)).length === 1, {
      timeoutMs: 60_000,
    });
    expect((await h.api(key, "DELETE", `/v1/videos/${id}`)).status).toBe(204);
    await waitUntil("the upload aborted", async () => (await open(id)).length === 0, {
      timeoutMs: 30_000,
    });
    expect((await h.api(key, "GET", `/v1/videos/${id}`)).status).toBe(404);
  }, 120_000);

  it("a finished fetch cannot be stopped: 409 fetch_finished", async () => {
    const id = await fetchFrom(origin.url("/gone.mp4"));
    await h.waitForStatus(key, id, ["failed"], 60_000);
    const res = await h.api(key, "DELETE", `/v1/uploads/${id}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("fetch_finished");
  }, 120_000);
});
