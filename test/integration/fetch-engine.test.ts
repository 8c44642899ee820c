import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { AbortMultipartUploadCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { UrlFetch as UrlFetchNs } from "@rushes/core/fetch";
import { Address } from "@rushes/core/net/address";
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
/** A second server, on another loopback address, that some tests treat as a public one. */
let far: Origin;
let s3: S3Client;
let UrlFetch: typeof UrlFetchNs;
let n = 0;

beforeAll(async () => {
  h = await startHarness({ handlers: noHandlers });
  origin = await startOrigin();
  far = await startOrigin("127.0.0.2");
  s3 = new S3Client({ forcePathStyle: true });
  ({ UrlFetch } = await import("@rushes/core/fetch"));
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  await origin?.close();
  await far?.close();
  await h?.stop();
});

beforeEach(() => {
  origin.cuts.length = 0;
  origin.stall.at = undefined;
  origin.stall.until = undefined;
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
    // Buffers held by this process (engine, origin and s3rver together), sampled while it runs.
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 20);
    const started = performance.now();
    const result = await run({ url: f.url, key: f.key, maxBytes: 300 * MiB }).finally(() =>
      clearInterval(sampler),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `fetch 200 MB: ${seconds.toFixed(1)} s, ${(size / MiB / seconds).toFixed(0)} MiB/s, ` +
        `buffers peak +${((peak - baseline) / MiB).toFixed(0)} MiB`,
    );
    expect(result).toEqual({ done: true, bytes: size });
    // Streamed: well under the 200 MB the file would take if it were held (garbage included).
    expect(peak - baseline).toBeLessThan(100 * MiB);
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

  it("restarts from the first byte, without asking for a range, when nothing can hold one", async () => {
    const size = 13 * MiB + 1;
    const f = serve({ size }); // ranges, but neither ETag nor Last-Modified
    origin.cuts.push(7 * MiB);
    expect(await run({ url: f.url, key: f.key })).toEqual({ done: true, bytes: size });
    expect(f.requests().map((r) => r.range)).toEqual([undefined, undefined]);
    expect((await stored(f.key)).sha256).toBe(Pattern.sha256(f.file.seed, size));
  }, 120_000);

  it("gives up when the connection keeps dropping before a part is stored", async () => {
    const f = serve({ size: 12 * MiB, etag: '"flaky"' });
    const cutsAt = Array.from({ length: UrlFetch.maxDrops + 1 }, (_, i) => MiB + i);
    origin.cuts.push(...cutsAt);
    const error = await failure(run({ url: f.url, key: f.key }));
    expect(error.code).toBe("fetch_http_error");
    expect(error.message).toMatch(/kept dropping/);
    expect(f.requests()).toHaveLength(UrlFetch.maxDrops + 1);
    // No part was stored, so every retry asked for the file from its start.
    expect(f.requests().every((r) => r.range === undefined)).toBe(true);
    expect(await openUploads(f.key)).toEqual([]);
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

  it("gives up a slow part at the deadline once a part is stored, keeping what was stored", async () => {
    const size = 12 * MiB;
    const f = serve({ size, etag: '"slow"' });
    let release = () => {};
    origin.stall.at = 7 * MiB;
    origin.stall.until = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started = Date.now();
    try {
      const first = await run({ url: f.url, key: f.key, deadline: started + 1_500 });
      // Well before the 60 s stall timeout: the deadline ended the run.
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(first.done).toBe(false);
      if (first.done) return;
      expect(first.progress.offset).toBe(partBytes);
      const rest = await run({ url: f.url, key: f.key, progress: first.progress });
      expect(rest).toEqual({ done: true, bytes: size });
      expect((await stored(f.key)).sha256).toBe(Pattern.sha256(f.file.seed, size));
    } finally {
      release();
    }
  }, 120_000);

  it.each([
    ["with", true],
    ["without", false],
  ])(
    "aborts the multipart upload and throws the reason when cancelled mid-way, %s Content-Length",
    async (_, contentLength) => {
      const f = serve({ size: 20 * MiB, etag: '"cancel"', contentLength });
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
      expect(await h.objects(f.key)).toEqual([]);
    },
    120_000,
  );

  it("stops at the first part after its upload was aborted elsewhere, reading no further", async () => {
    const f = serve({ size: 20 * MiB, etag: '"elsewhere"' });
    let release = () => {};
    origin.stall.at = 7 * MiB;
    origin.stall.until = new Promise<void>((resolve) => {
      release = resolve;
    });
    const caught = run({ url: f.url, key: f.key }).catch((e: unknown) => e);
    const [upload] = await waitUntil("a stored part", async () => {
      const open = await openUploads(f.key);
      return open.some((u) => u.parts.includes(1)) && open;
    });
    // What DELETE /v1/uploads/:id does from another process: no signal reaches this run.
    await s3.send(
      new AbortMultipartUploadCommand({
        Bucket: h.runtime.resources.bucket,
        Key: f.key,
        UploadId: upload!.uploadId,
      }),
    );
    release();
    const error = await caught;
    // Not a drop to resume from, nor a fetch failure: the upload is gone.
    expect(error).not.toBeInstanceOf(UrlFetch.FetchFailure);
    expect(error).toMatchObject({ code: "upload_not_found" });
    expect(f.requests()).toHaveLength(1);
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

  it("fails fetch_timeout when a server takes the connection but never answers", async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const key = `uploads/vid_silent${++n}/source`;
      const started = Date.now();
      const error = await failure(run({ url: `http://127.0.0.1:${port}/f`, key, stallMs: 300 }));
      expect(error.code).toBe("fetch_timeout");
      expect(error.message).toMatch(/no response within 300 ms/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      silent.close();
    }
  });

  it("fails fetch_http_error with the status on a non-2xx answer", async () => {
    const key = `uploads/vid_missing${++n}/source`;
    const error = await failure(run({ url: origin.url("/nothing-here"), key }));
    expect(error).toMatchObject({ code: "fetch_http_error", status: 404 });
  });
});

describe("SSRF rules", () => {
  const refused = async (url: string) => {
    const key = `uploads/vid_refused${++n}/source`;
    const error = await failure(run({ url, key, allowLocal: false }));
    expect(error.code, url).toBe("fetch_refused");
    expect(await openUploads(key)).toEqual([]);
    return error;
  };

  it.each([
    "http://127.0.0.1/f.mp4",
    "http://localhost/f.mp4",
    "http://2130706433/f.mp4", // 127.0.0.1 as one number
    "http://0x7f.1/f.mp4",
    "http://10.1.2.3/f.mp4",
    "http://192.168.1.1/f.mp4",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/f.mp4",
    "http://[fe80::1]/f.mp4",
    "http://[fd00::1]/f.mp4",
    "http://[::ffff:127.0.0.1]/f.mp4", // IPv4-mapped
    "http://[::ffff:a9fe:a9fe]/f.mp4", // mapped metadata service, in hex
    "http://[64:ff9b::a9fe:a9fe]/f.mp4", // NAT64 of 169.254.169.254
    "http://[2002:7f00:1::]/f.mp4", // 6to4 of 127.0.0.1
  ])("refuses %s with local addresses off", async (url) => {
    expect((await refused(url)).message).toMatch(/non-public address/);
  });

  it("refuses other schemes and ports other than 80/443 with local addresses off", async () => {
    await refused("ftp://example.com/f.mp4");
    await refused("file:///etc/passwd");
    const before = origin.requests.length;
    expect((await refused(origin.url("/f.mp4"))).message).toMatch(/port/);
    expect(origin.requests.length).toBe(before);
  });

  /** Walks redirects with 127.0.0.2 (the far server) standing in for a public address. */
  const walkFromFar = async (path: string) => {
    const { walk } = await import("@rushes/core/fetch/hop");
    return walk(
      { url: far.url(path), headers: {} },
      {
        allowLocal: false,
        ports: [far.port, origin.port],
        isPublic: (address) => Address.isPublic(address) || address === "127.0.0.2",
        connectMs: 5_000,
        stallMs: 5_000,
      },
    );
  };

  it("refuses a redirect to 127.0.0.1 from a server it may reach", async () => {
    const f = serve({ size: 10 });
    far.files.set("/here.mp4", { size: 10, seed: 1, ranges: true, contentLength: true });
    far.redirects.set("/ok", { status: 302, location: "/here.mp4" });
    far.redirects.set("/to-loopback", { status: 302, location: f.url });
    // The stand-in policy lets the far server through: a redirect on it is followed.
    const reached = await walkFromFar("/ok");
    reached.destroy();
    expect(reached.statusCode).toBe(200);
    const error = await failure(walkFromFar("/to-loopback"));
    expect(error.code).toBe("fetch_refused");
    expect(error.message).toMatch(/127\.0\.0\.1/);
    expect(f.requests()).toEqual([]);
  });

  it("follows 5 redirects and refuses the 6th", async () => {
    const f = serve({ size: 1000, etag: '"r"' });
    const chain = (name: string, hops: number) => {
      const statuses = [301, 302, 303, 307, 308, 302];
      for (let i = 0; i < hops; i++) {
        const next = i === hops - 1 ? f.url : `/${name}${i + 1}`;
        origin.redirects.set(`/${name}${i}`, { status: statuses[i]!, location: next });
      }
      return origin.url(`/${name}0`);
    };
    const five = await run({ url: chain("five", 5), key: `uploads/vid_five${n}/source` });
    expect(five).toEqual({ done: true, bytes: 1000 });
    const error = await failure(run({ url: chain("six", 6), key: `uploads/vid_six${n}/source` }));
    expect(error.code).toBe("fetch_refused");
    expect(error.message).toMatch(/redirects/);
  });

  it("sends the user's credentials to the user's origin only, and keeps the Host", async () => {
    const path = `/cred${++n}.mp4`;
    far.files.set(path, { size: 100, seed: 3, ranges: true, contentLength: true, etag: '"c"' });
    origin.redirects.set("/cred-a", { status: 302, location: "/cred-b" });
    origin.redirects.set("/cred-b", {
      status: 307,
      location: `http://x:y@127.0.0.2:${far.port}${path}`,
    });
    const user = `http://me:p%40ss@localhost:${origin.port}/cred-a`;
    const result = await run({ url: user, key: `uploads/vid_cred${n}/source` });
    expect(result).toEqual({ done: true, bytes: 100 });
    const basic = `Basic ${Buffer.from("me:p@ss").toString("base64")}`;
    const mine = origin.requests.filter((r) => r.path.startsWith("/cred-"));
    expect(mine.map((r) => [r.path, r.authorization, r.host])).toEqual([
      ["/cred-a", basic, `localhost:${origin.port}`],
      ["/cred-b", basic, `localhost:${origin.port}`],
    ]);
    // Another origin: neither the user's credentials nor the ones the Location carried.
    expect(far.requests.find((r) => r.path === path)?.authorization).toBeUndefined();
  });
});
