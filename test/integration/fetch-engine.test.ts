import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { UrlFetch as UrlFetchNs } from "@rushes/core/fetch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { noHandlers } from "../support/in-process";
import { type Origin, type OriginFile, Pattern, startOrigin } from "../support/origin";
import { waitUntil } from "../support/wait";
import { type Harness, startHarness } from "./harness";

// The URL fetch engine (core/fetch) against a local HTTP server the test controls and the real
// s3rver: parts go into a real multipart upload, which the stand-in assembles (or aborts) as S3
// would. Ingest is a no-op here; what is checked is the object's bytes and the open uploads.
const MiB = 1024 ** 2;
const partBytes = 5 * MiB;

let h: Harness;
let origin: Origin;
let s3: S3Client;
let UrlFetch: typeof UrlFetchNs;
let n = 0;

beforeAll(async () => {
  h = await startHarness({ handlers: noHandlers });
  origin = await startOrigin();
  s3 = new S3Client({ forcePathStyle: true });
  ({ UrlFetch } = await import("@rushes/core/fetch"));
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await origin?.close();
  await h?.stop();
});

beforeEach(() => {
  origin.cuts.length = 0;
  origin.stall.at = undefined;
  origin.hooks.onCut = undefined;
});

/** Serves a new file at a new path: its URL, the file (mutable) and its requests so far. */
const serve = (file: Partial<OriginFile> & { size: number }) => {
  const path = `/f${++n}.mp4`;
  const served: OriginFile = { seed: n, ranges: true, contentLength: true, ...file };
  origin.files.set(path, served);
  return {
    url: origin.url(path),
    file: served,
    key: `uploads/vid_fetch${n}/source`,
    requests: () => origin.requests.filter((r) => r.path === path),
  };
};

const run = (input: Partial<Parameters<typeof UrlFetch.run>[0]> & { url: string; key: string }) =>
  UrlFetch.run({
    maxBytes: 1024 * MiB,
    deadline: Date.now() + 10 * 60_000,
    allowLocal: true,
    partBytes,
    ...input,
  });

const failure = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UrlFetch.FetchFailure);
  return error as UrlFetchNs.FetchFailure;
};

/** The sha256 and size of a stored object, streamed. */
const stored = async (key: string) => {
  const out = await s3.send(new GetObjectCommand({ Bucket: h.runtime.resources.bucket, Key: key }));
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of out.Body as Readable) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes, contentType: out.ContentType };
};

/**
 * The multipart uploads still open for `key`, with their stored part numbers. s3rver has no
 * ListMultipartUploads, so this reads its upload directories (one per upload, holding `key`).
 */
const openUploads = async (key: string) => {
  const root = join(h.dataDir, "s3", h.runtime.resources.bucket, "._S3rver_uploads");
  const ids = await readdir(root).catch(() => [] as string[]);
  const open: { uploadId: string; parts: number[] }[] = [];
  for (const uploadId of ids) {
    const owner = await readFile(join(root, uploadId, "key"), "utf8").catch(() => undefined);
    if (owner !== key) continue;
    const entries = await readdir(join(root, uploadId)).catch(() => [] as string[]);
    open.push({ uploadId, parts: entries.filter((e) => /^\d+$/.test(e)).map(Number) });
  }
  return open;
};

const partStart = (at: number) => Math.floor(at / partBytes) * partBytes;

describe("resuming", () => {
  it("fetches 200 MB cut twice mid-way, resuming with Range, into the same bytes", async () => {
    const size = 200_000_000;
    const f = serve({ size, etag: '"big-v1"' });
    origin.cuts.push(70_000_000, 140_000_000);
    const result = await run({ url: f.url, key: f.key, maxBytes: 300 * MiB });
    expect(result).toEqual({ done: true, bytes: size });
    expect(f.requests().map((r) => [r.range, r.ifRange])).toEqual([
      [undefined, undefined],
      [`bytes=${partStart(70_000_000)}-`, '"big-v1"'],
      [`bytes=${partStart(140_000_000)}-`, '"big-v1"'],
    ]);
    expect(await stored(f.key)).toEqual({
      sha256: Pattern.sha256(f.file.seed, size),
      bytes: size,
      contentType: "video/mp4",
    });
    expect(await openUploads(f.key)).toEqual([]);
  }, 600_000);

  it("resumes against Last-Modified when there is no ETag", async () => {
    const size = 17 * MiB + 5;
    const f = serve({ size, lastModified: "Mon, 07 Dec 2026 05:00:00 GMT" });
    origin.cuts.push(11 * MiB);
    expect(await run({ url: f.url, key: f.key })).toEqual({ done: true, bytes: size });
    expect(f.requests()[1]).toMatchObject({
      range: `bytes=${partStart(11 * MiB)}-`,
      ifRange: f.file.lastModified,
    });
    expect((await stored(f.key)).sha256).toBe(Pattern.sha256(f.file.seed, size));
  }, 120_000);

  it("restarts once from the first byte when the server ignores Range", async () => {
    const size = 13 * MiB + 17;
    const f = serve({ size, etag: '"plain"', ranges: false });
    origin.cuts.push(7 * MiB);
    expect(await run({ url: f.url, key: f.key })).toEqual({ done: true, bytes: size });
    // The resume asked for a range; the whole file came back and was taken from byte 0.
    expect(f.requests().map((r) => r.range)).toEqual([undefined, `bytes=${partStart(7 * MiB)}-`]);
    expect((await stored(f.key)).sha256).toBe(Pattern.sha256(f.file.seed, size));
  }, 120_000);

  it("fails on a second drop once the one restart is used", async () => {
    const size = 13 * MiB + 17;
    const f = serve({ size, etag: '"plain2"', ranges: false });
    origin.cuts.push(7 * MiB);
    // The second cut is armed by the first, so it lands in the restarted body.
    origin.hooks.onCut = () => {
      origin.hooks.onCut = undefined;
      origin.cuts.push(9 * MiB);
    };
    const error = await failure(run({ url: f.url, key: f.key }));
    expect(error.code).toBe("fetch_http_error");
    expect(error.message).toMatch(/restart/);
    expect(f.requests()).toHaveLength(3);
    expect(await openUploads(f.key)).toEqual([]);
  }, 120_000);

  it("fails fetch_changed when the file changes between a drop and the resume", async () => {
    const size = 13 * MiB;
    const f = serve({ size, etag: '"one"' });
    origin.cuts.push(7 * MiB);
    origin.hooks.onCut = () => {
      f.file.etag = '"two"';
      f.file.seed += 1000;
    };
    const error = await failure(run({ url: f.url, key: f.key }));
    expect(error.code).toBe("fetch_changed");
    expect(f.requests()[1]?.ifRange).toBe('"one"');
    expect(await openUploads(f.key)).toEqual([]);
  }, 120_000);

  it("fails fetch_changed when a server ignoring If-Range sends another version's range", async () => {
    const size = 13 * MiB;
    const f = serve({ size, etag: 'W/"weak-one"' });
    origin.cuts.push(7 * MiB);
    origin.hooks.onCut = () => {
      f.file.etag = 'W/"weak-two"';
    };
    const error = await failure(run({ url: f.url, key: f.key }));
    expect(error.code).toBe("fetch_changed");
    // A weak ETag cannot go in If-Range: the 206's own validator is compared instead.
    expect(f.requests()[1]).toMatchObject({
      range: `bytes=${partStart(7 * MiB)}-`,
      ifRange: undefined,
    });
  }, 120_000);
});

describe("time budget and cancel", () => {
  it("stops after a part when the deadline is near, and continues from the progress", async () => {
    const size = 21 * MiB + 3;
    const f = serve({ size, etag: '"cont"' });
    const first = await run({ url: f.url, key: f.key, deadline: Date.now() });
    expect(first.done).toBe(false);
    if (first.done) return;
    expect(first.progress).toMatchObject({
      url: f.url,
      key: f.key,
      offset: partBytes,
      restarts: 0,
      totalBytes: size,
      validator: { etag: '"cont"' },
    });
    expect(first.progress.parts.map((p) => p.PartNumber)).toEqual([1]);
    expect(await openUploads(f.key)).toEqual([{ uploadId: first.progress.uploadId, parts: [1] }]);

    // As a queue message would carry it: plain JSON, one run after another.
    let result: UrlFetchNs.Result = first;
    let runs = 1;
    while (!result.done) {
      const progress = JSON.parse(JSON.stringify(result.progress));
      result = await run({ url: f.url, key: f.key, progress, deadline: Date.now() });
      runs++;
    }
    expect(result).toEqual({ done: true, bytes: size });
    expect(runs).toBe(5);
    expect(f.requests().map((r) => r.range)).toEqual([
      undefined,
      ...[1, 2, 3, 4].map((i) => `bytes=${i * partBytes}-`),
    ]);
    expect((await stored(f.key)).sha256).toBe(Pattern.sha256(f.file.seed, size));
  }, 120_000);

  it("aborts the multipart upload and throws the reason when cancelled mid-way", async () => {
    const f = serve({ size: 20 * MiB, etag: '"cancel"' });
    origin.stall.at = 8 * MiB;
    const controller = new AbortController();
    const running = run({ url: f.url, key: f.key, signal: controller.signal });
    const caught = running.catch((e: unknown) => e);
    await waitUntil("a stored part", async () =>
      (await openUploads(f.key)).some((u) => u.parts.includes(1)),
    );
    const reason = new Error("cancelled by the owner");
    controller.abort(reason);
    expect(await caught).toBe(reason);
    expect(await openUploads(f.key)).toEqual([]);
  }, 120_000);
});

describe("limits", () => {
  it("refuses a Content-Length over the limit before reading, with no upload left", async () => {
    const f = serve({ size: 12 * MiB });
    const error = await failure(run({ url: f.url, key: f.key, maxBytes: 10 * MiB }));
    expect(error.code).toBe("fetch_too_large");
    expect(await openUploads(f.key)).toEqual([]);
  });

  it("aborts a body that grows past the limit with no Content-Length", async () => {
    const f = serve({ size: 14 * MiB, contentLength: false });
    const error = await failure(run({ url: f.url, key: f.key, maxBytes: 12 * MiB }));
    expect(error.code).toBe("fetch_too_large");
    expect(await openUploads(f.key)).toEqual([]);
  }, 120_000);

  it("fetches a body with no Content-Length whole", async () => {
    const size = 6 * MiB + 1;
    const f = serve({ size, contentLength: false, etag: '"chunked"' });
    expect(await run({ url: f.url, key: f.key })).toEqual({ done: true, bytes: size });
    expect((await stored(f.key)).sha256).toBe(Pattern.sha256(f.file.seed, size));
  }, 120_000);

  it("fails fetch_timeout when the server goes silent, and aborts the upload", async () => {
    const f = serve({ size: 12 * MiB, etag: '"stall"' });
    origin.stall.at = 6 * MiB;
    const error = await failure(run({ url: f.url, key: f.key, stallMs: 300 }));
    expect(error.code).toBe("fetch_timeout");
    expect(await openUploads(f.key)).toEqual([]);
  }, 120_000);

  it("fails fetch_http_error with the status on a non-2xx answer", async () => {
    const key = `uploads/vid_missing${++n}/source`;
    const error = await failure(run({ url: origin.url("/nothing-here"), key }));
    expect(error).toMatchObject({ code: "fetch_http_error", status: 404 });
  });
});
