import type { Runtime } from "@rushes/local/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, startApp } from "./app";

// The multipart routes in-process with app.request(), over the real stand-ins (s3rver, with the
// runtime's multipart middleware answering like S3). Ingest is a no-op: this is the HTTP contract.
let runtime: Runtime;
let call: Awaited<ReturnType<typeof startApp>>["call"];
let stop: () => Promise<void>;
let alice: string;
let bob: string;

const MiB = 1024 ** 2;
const TiB = 1024 ** 4;

const create = async (bytes: number, extra: Record<string, unknown> = {}, key = alice) => {
  const res = await call(key, "POST", "/v1/uploads", {
    filename: "big.mov",
    contentType: "video/quicktime",
    bytes,
    ...extra,
  });
  expect(res.status, res.text).toBe(201);
  return res.body as {
    video: { id: string };
    upload: {
      uploadId: string;
      partSize: number;
      partCount: number;
      expiresAt: string;
      method: string;
    };
  };
};

/** Signs and PUTs parts straight to the stand-in, as a browser or `curl -T` would. */
const put = async (videoId: string, parts: Array<[number, Buffer]>) => {
  const signed = await call(alice, "POST", `/v1/uploads/${videoId}/parts`, {
    partNumbers: parts.map(([n]) => n),
  });
  expect(signed.status, signed.text).toBe(200);
  const etags: Array<{ partNumber: number; etag: string }> = [];
  for (const [n, bytes] of parts) {
    const url = signed.body.parts.find((p: { partNumber: number }) => p.partNumber === n).url;
    const res = await fetch(url, { method: "PUT", body: new Uint8Array(bytes) });
    expect(res.status, await res.clone().text()).toBe(200);
    etags.push({ partNumber: n, etag: res.headers.get("etag") ?? "" });
  }
  return etags;
};

beforeAll(async () => {
  ({ runtime, call, stop } = await startApp());
  alice = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "alice" })).body.key;
  bob = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "bob" })).body.key;
});

afterAll(async () => {
  await stop?.();
});

describe("POST /v1/uploads chooses the upload method", () => {
  it("keeps the presigned POST up to the threshold and switches to parts above it", async () => {
    expect((await create(100 * MiB)).upload.method).toBe("POST");
    const big = await create(100 * MiB + 1);
    expect(big.upload).toMatchObject({
      method: "MULTIPART",
      uploadId: expect.any(String),
      partSize: 8 * MiB,
      partCount: 13,
      maxBytes: 100 * MiB + 1,
    });
    expect(Date.parse(big.upload.expiresAt)).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
    const small = await create(1000, { multipart: true });
    expect(small.upload).toMatchObject({ method: "MULTIPART", partSize: 8 * MiB, partCount: 1 });
  });

  it("sizes parts so that 5 TiB fits in 10,000 of them, and refuses a byte more", async () => {
    // Past the default storage quota (1 TiB): the admin raises alice's.
    const raised = await call(runtime.devKey, "PUT", "/v1/owners/alice/quotas", {
      storageBytes: 6 * TiB,
    });
    expect(raised.status, raised.text).toBe(200);
    const { upload, video } = await create(5 * TiB);
    expect(upload.partCount).toBeLessThanOrEqual(10_000);
    expect(upload.partSize * upload.partCount).toBeGreaterThanOrEqual(5 * TiB);
    expect(upload.partSize * (upload.partCount - 1)).toBeLessThan(5 * TiB);
    expect(upload.partSize).toBeLessThanOrEqual(5 * 1024 ** 3);
    expect(upload.partSize % MiB).toBe(0);
    const got = await call(alice, "GET", `/v1/videos/${video.id}`);
    expect(got.body.multipart).toEqual({ partSize: upload.partSize, partCount: upload.partCount });
    const over = await call(alice, "POST", "/v1/uploads", {
      filename: "huge.mov",
      contentType: "video/quicktime",
      bytes: 5 * TiB + 1,
    });
    expectError(over, 413, "too_large");
  });

  it("creates the S3 upload with the declared Content-Type under the server's key", async () => {
    const { video } = await create(1000, { multipart: true });
    const [part] = await put(video.id, [[1, Buffer.alloc(1000, 7)]]);
    const done = await call(alice, "POST", `/v1/uploads/${video.id}/complete`, { parts: [part] });
    expect(done.status, done.text).toBe(200);
    const { HeadObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
    const s3 = new S3Client({ forcePathStyle: true });
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: runtime.resources.bucket,
        Key: `uploads/${video.id}/source`,
      }),
    );
    expect(head.ContentType).toBe("video/quicktime");
    expect(head.ContentLength).toBe(1000);
    // S3's multipart ETag: the MD5 of the parts' MD5s, then the part count.
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-1"$/);
    s3.destroy();
  });
});

describe("signing and listing parts", () => {
  it("signs PUT URLs whose ETags ListParts then reports", async () => {
    const { video } = await create(20 * MiB, { multipart: true });
    const signed = await call(alice, "POST", `/v1/uploads/${video.id}/parts`, {
      partNumbers: [1, 3],
    });
    expect(signed.body.parts).toEqual([
      {
        partNumber: 1,
        url: expect.stringContaining("partNumber=1"),
        expiresAt: expect.any(String),
      },
      {
        partNumber: 3,
        url: expect.stringContaining("partNumber=3"),
        expiresAt: expect.any(String),
      },
    ]);
    expect(signed.body.parts[0].url).toContain(`uploads/${video.id}/source`);
    const etags = await put(video.id, [
      [1, Buffer.alloc(1234, 1)],
      [3, Buffer.alloc(10, 3)],
    ]);
    const listed = await call(alice, "GET", `/v1/uploads/${video.id}/parts`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.parts).toEqual([
      { partNumber: 1, etag: etags[0]?.etag, bytes: 1234 },
      { partNumber: 3, etag: etags[1]?.etag, bytes: 10 },
    ]);
  });

  it("follows ListParts' pages past 1,000 parts", async () => {
    const { video, upload } = await create(1100 * 8 * MiB);
    expect(upload.partCount).toBeGreaterThanOrEqual(1005);
    const { S3Client, UploadPartCommand } = await import("@aws-sdk/client-s3");
    const s3 = new S3Client({ forcePathStyle: true });
    const numbers = Array.from({ length: 1005 }, (_, i) => i + 1);
    for (let i = 0; i < numbers.length; i += 25) {
      await Promise.all(
        numbers.slice(i, i + 25).map((n) =>
          s3.send(
            new UploadPartCommand({
              Bucket: runtime.resources.bucket,
              Key: `uploads/${video.id}/source`,
              UploadId: upload.uploadId,
              PartNumber: n,
              Body: Buffer.from([n % 256]),
            }),
          ),
        ),
      );
    }
    s3.destroy();
    const listed = await call(alice, "GET", `/v1/uploads/${video.id}/parts`);
    expect(listed.body.parts.map((p: { partNumber: number }) => p.partNumber)).toEqual(numbers);
  }, 120_000);

  it.each([
    ["part 0", { partNumbers: [0] }, "invalid_input"],
    ["part 10,001", { partNumbers: [10_001] }, "invalid_input"],
    ["a fractional part", { partNumbers: [1.5] }, "invalid_input"],
    ["a string part", { partNumbers: ["1"] }, "invalid_input"],
    ["an empty list", { partNumbers: [] }, "invalid_input"],
    ["101 parts", { partNumbers: Array.from({ length: 101 }, (_, i) => i + 1) }, "invalid_input"],
    ["a repeated part", { partNumbers: [1, 1] }, "invalid_input"],
    ["a part beyond partCount", { partNumbers: [2, 4] }, "invalid_part_number"],
  ])("refuses to sign %s with a 400", async (_name, body, code) => {
    const { video } = await create(20 * MiB, { multipart: true });
    expectError(await call(alice, "POST", `/v1/uploads/${video.id}/parts`, body), 400, code);
  });

  it("answers 404 for another owner's upload or an unknown id, 409 for a POST upload", async () => {
    const { video } = await create(20 * MiB, { multipart: true });
    const body = { partNumbers: [1] };
    for (const path of [`/v1/uploads/${video.id}/parts`]) {
      expectError(await call(bob, "POST", path, body), 404, "not_found");
      expectError(await call(bob, "GET", path), 404, "not_found");
    }
    expectError(
      await call(bob, "POST", `/v1/uploads/${video.id}/complete`, {
        parts: [{ partNumber: 1, etag: "x" }],
      }),
      404,
      "not_found",
    );
    expectError(await call(bob, "DELETE", `/v1/uploads/${video.id}`), 404, "not_found");
    const unknown = "vid_01jd7m3y8q4k6x2v9c0b5n1e7r";
    expectError(await call(alice, "POST", `/v1/uploads/${unknown}/parts`, body), 404, "not_found");
    expectError(await call(alice, "GET", `/v1/uploads/not-an-id/parts`), 404, "not_found");
    const post = await create(1000);
    expectError(
      await call(alice, "POST", `/v1/uploads/${post.video.id}/parts`, body),
      409,
      "not_multipart",
    );
    expectError(await call(alice, "DELETE", `/v1/uploads/${post.video.id}`), 409, "not_multipart");
  });
});

describe("completing", () => {
  it.each([
    ["an empty parts list", () => ({ parts: [] }), 400, "invalid_input"],
    ["no body at all", () => ({}), 400, "invalid_input"],
    ["part 0", () => ({ parts: [{ partNumber: 0, etag: "x" }] }), 400, "invalid_input"],
    ["part 10,001", () => ({ parts: [{ partNumber: 10_001, etag: "x" }] }), 400, "invalid_input"],
    [
      "a part beyond partCount",
      () => ({ parts: [{ partNumber: 3, etag: "x" }] }),
      400,
      "invalid_part_number",
    ],
  ])("refuses %s", async (_name, body, status, code) => {
    const { video } = await create(12 * MiB, { multipart: true });
    expectError(
      await call(alice, "POST", `/v1/uploads/${video.id}/complete`, body()),
      status,
      code,
    );
  });

  it("maps S3's InvalidPart, InvalidPartOrder and EntityTooSmall to 400s", async () => {
    const { video } = await create(12 * MiB, { multipart: true });
    const [one, two] = await put(video.id, [
      [1, Buffer.alloc(1000, 1)],
      [2, Buffer.alloc(1000, 2)],
    ]);
    if (!one || !two) throw new Error("parts were not uploaded");
    const complete = (parts: unknown[]) =>
      call(alice, "POST", `/v1/uploads/${video.id}/complete`, { parts });
    expectError(await complete([{ ...one, etag: `"${"0".repeat(32)}"` }]), 400, "invalid_part");
    expectError(await complete([two, one]), 400, "invalid_part_order");
    expectError(await complete([one, one]), 400, "invalid_part_order");
    // Part 1 is under S3's 5 MiB minimum, and it is not the last part.
    expectError(await complete([one, two]), 400, "part_too_small");
    // Nothing was completed: the parts are still there to fix and retry.
    expect((await call(alice, "GET", `/v1/uploads/${video.id}/parts`)).body.parts).toHaveLength(2);
  });

  it("completes once; completing again, signing, listing or aborting afterwards is a 409", async () => {
    const { video } = await create(10 * MiB, { multipart: true });
    const parts = await put(video.id, [
      [1, Buffer.alloc(5 * MiB, 1)],
      [2, Buffer.alloc(MiB, 2)],
    ]);
    // Clients may strip S3's quotes from the ETag; S3 compares without them.
    const unquoted = parts.map((p) => ({ ...p, etag: p.etag.replace(/"/g, "") }));
    const done = await call(alice, "POST", `/v1/uploads/${video.id}/complete`, { parts: unquoted });
    expect(done.status, done.text).toBe(200);
    expect(done.body).toMatchObject({ id: video.id, bytes: 10 * MiB, status: "awaiting_upload" });
    const again = await call(alice, "POST", `/v1/uploads/${video.id}/complete`, { parts });
    expectError(again, 409, "upload_completed");
    const sign = await call(alice, "POST", `/v1/uploads/${video.id}/parts`, { partNumbers: [1] });
    expectError(sign, 409, "upload_completed");
    expectError(await call(alice, "GET", `/v1/uploads/${video.id}/parts`), 409, "upload_completed");
    expectError(await call(alice, "DELETE", `/v1/uploads/${video.id}`), 409, "upload_completed");
    const history = await call(alice, "GET", `/v1/videos/${video.id}/events`);
    expect(history.body.data.map((e: { type: string }) => e.type)).toContain("upload_completed");
  });

  it("takes 10,000 parts in one body (above the API's usual 64 KiB limit)", async () => {
    const { video, upload } = await create(10_000 * 8 * MiB);
    expect(upload.partCount).toBe(10_000);
    const parts = Array.from({ length: 10_000 }, (_, i) => ({
      partNumber: i + 1,
      etag: `"${"a".repeat(32)}"`,
    }));
    // Past the body limit and validation, S3 is the one that refuses: none was uploaded.
    const res = await call(alice, "POST", `/v1/uploads/${video.id}/complete`, { parts });
    expectError(res, 400, "invalid_part");
  });

  it("answers 404 upload_not_found when S3 no longer has the upload", async () => {
    const { video, upload } = await create(1000, { multipart: true });
    const { AbortMultipartUploadCommand, S3Client } = await import("@aws-sdk/client-s3");
    const s3 = new S3Client({ forcePathStyle: true });
    // What the bucket's lifecycle rule does to an upload left unfinished for 7 days.
    await s3.send(
      new AbortMultipartUploadCommand({
        Bucket: runtime.resources.bucket,
        Key: `uploads/${video.id}/source`,
        UploadId: upload.uploadId,
      }),
    );
    s3.destroy();
    const parts = { parts: [{ partNumber: 1, etag: "abc" }] };
    expectError(
      await call(alice, "POST", `/v1/uploads/${video.id}/complete`, parts),
      404,
      "upload_not_found",
    );
    expectError(await call(alice, "GET", `/v1/uploads/${video.id}/parts`), 404, "upload_not_found");
  });
});

describe("aborting", () => {
  /** Storage no longer knows the multipart upload: its parts are freed. */
  const expectUploadGone = async (videoId: string, uploadId: string) => {
    const { ListPartsCommand, S3Client } = await import("@aws-sdk/client-s3");
    const s3 = new S3Client({ forcePathStyle: true });
    const listing = s3.send(
      new ListPartsCommand({
        Bucket: runtime.resources.bucket,
        Key: `uploads/${videoId}/source`,
        UploadId: uploadId,
      }),
    );
    await expect(listing).rejects.toMatchObject({ name: "NoSuchUpload" });
    s3.destroy();
  };

  it("frees the parts and ends the video cancelled; again is harmless; nothing else works", async () => {
    const { video, upload } = await create(12 * MiB, { multipart: true });
    await put(video.id, [[1, Buffer.alloc(1000, 1)]]);
    const aborted = await call(alice, "DELETE", `/v1/uploads/${video.id}`);
    expect(aborted.status, aborted.text).toBe(200);
    expect(aborted.body).toMatchObject({ id: video.id, status: "cancelled" });
    await expectUploadGone(video.id, upload.uploadId);
    const again = await call(alice, "DELETE", `/v1/uploads/${video.id}`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("cancelled");
    const sign = await call(alice, "POST", `/v1/uploads/${video.id}/parts`, { partNumbers: [1] });
    expectError(sign, 409, "upload_cancelled");
    const done = await call(alice, "POST", `/v1/uploads/${video.id}/complete`, {
      parts: [{ partNumber: 1, etag: "x" }],
    });
    expectError(done, 409, "upload_cancelled");
    const listed = await call(alice, "GET", "/v1/videos?status=cancelled");
    expect(listed.body.data.map((v: { id: string }) => v.id)).toContain(video.id);
  });

  it("deleting an unfinished multipart video aborts its upload too", async () => {
    const { video, upload } = await create(12 * MiB, { multipart: true });
    await put(video.id, [[1, Buffer.alloc(1000, 1)]]);
    expect((await call(alice, "DELETE", `/v1/videos/${video.id}`)).status).toBe(204);
    await expectUploadGone(video.id, upload.uploadId);
  });
});
