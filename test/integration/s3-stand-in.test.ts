import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVideo } from "../support/media";
import { type Harness, postToPresigned, startHarness } from "./harness";

// The local S3 stand-in's multipart and copy answers (packages/local/src/s3-multipart.ts) held
// to S3's own, as recorded (test/fixtures/s3-errors.json): the status, the code, every field of
// the XML body. Then the large-source copy that relies on them: UploadPartCopy conditional on
// the validated ETag, over real s3rver, including a re-post in the middle of the copy.
const fixtures = JSON.parse(
  readFileSync(new URL("../fixtures/s3-errors.json", import.meta.url), "utf8"),
).cases as Record<string, { status: number; error: Record<string, string> }>;

const MiB = 1024 ** 2;
let h: Harness;
let s3: S3Client;
let bucket: string;
let dir: string;

beforeAll(async () => {
  // Parts of 5 MiB (S3's least), so a copy of a few MiB goes in parts as a long source would.
  h = await startHarness({ env: { RUSHES_S3_COPY_PART_BYTES: String(5 * MiB) } });
  bucket = h.runtime.resources.bucket;
  dir = await mkdtemp(join(tmpdir(), "rushes-s3-stand-in-"));
  s3 = new S3Client({ forcePathStyle: true });
});

afterAll(async () => {
  s3?.destroy();
  await h?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A raw request to the stand-in: the status and the body exactly as sent. */
function send(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string | Buffer } = {},
) {
  const url = new URL(`${h.runtime.endpoints.s3}/${bucket}/${path}`);
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, { method, headers: init.headers }, (res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const decode = (text: string) =>
  text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (_, name: string) =>
    name.startsWith("#x")
      ? String.fromCodePoint(Number.parseInt(name.slice(2), 16))
      : name.startsWith("#")
        ? String.fromCodePoint(Number(name.slice(1)))
        : (entities[name] ?? `&${name};`),
  );

/** The fields of an S3 `<Error>` body, without the per-request RequestId and HostId. */
function errorFields(xml: string) {
  const inner = /<Error>([\s\S]*)<\/Error>/.exec(xml)?.[1];
  if (inner === undefined) throw new Error(`not an S3 error body: ${xml}`);
  const fields: Record<string, string> = {};
  for (const [, name, value] of inner.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) {
    if (name !== "RequestId" && name !== "HostId") fields[name!] = decode(value!);
  }
  return fields;
}

/** Checks a reply against the recorded S3 answer `name`, with this request's own values. */
function expectRecorded(
  reply: { status: number; body: string },
  name: string,
  values: Record<string, string> = {},
) {
  const recorded = fixtures[name]!;
  const expected = Object.fromEntries(
    Object.entries(recorded.error).map(([k, v]) => [k, values[v] ?? v]),
  );
  expect({ status: reply.status, error: errorFields(reply.body) }, name).toEqual({
    status: recorded.status,
    error: expected,
  });
}

const md5 = (data: string | Buffer) => createHash("md5").update(data).digest("hex");

async function newUpload(key: string) {
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
  );
  return UploadId!;
}

const completeXml = (parts: Array<[number, string]>) =>
  `<CompleteMultipartUpload>${parts
    .map(([n, etag]) => `<Part><PartNumber>${n}</PartNumber><ETag>"${etag}"</ETag></Part>`)
    .join("")}</CompleteMultipartUpload>`;

describe("the stand-in answers as S3 did (recorded responses)", () => {
  it("NoSuchUpload for an aborted upload", async () => {
    const id = await newUpload("rec/aborted");
    expect((await send("DELETE", `rec/aborted?uploadId=${id}`)).status).toBe(204);
    expectRecorded(await send("GET", `rec/aborted?uploadId=${id}`), "NoSuchUpload", {
      "<upload-id>": id,
    });
  });

  it("InvalidArgument for part number -1", async () => {
    const id = await newUpload("rec/number");
    const reply = await send("PUT", `rec/number?partNumber=-1&uploadId=${id}`, { body: "data" });
    expectRecorded(reply, "InvalidArgumentPartNumber");
  });

  it("InvalidPartOrder, InvalidPart and EntityTooSmall when completing", async () => {
    const id = await newUpload("rec/complete");
    for (const n of [1, 2]) {
      const put = await send("PUT", `rec/complete?partNumber=${n}&uploadId=${id}`, {
        body: "data",
      });
      expect(put.status).toBe(200);
    }
    const complete = (parts: Array<[number, string]>) =>
      send("POST", `rec/complete?uploadId=${id}`, { body: completeXml(parts) });
    expectRecorded(
      await complete([
        [2, md5("data")],
        [1, md5("data")],
      ]),
      "InvalidPartOrder",
      { "<upload-id>": id },
    );
    // S3's recording: one part uploaded, the completion names part 2.
    const one = await newUpload("rec/one-part");
    await send("PUT", `rec/one-part?partNumber=1&uploadId=${one}`, { body: "data" });
    expectRecorded(
      await send("POST", `rec/one-part?uploadId=${one}`, { body: completeXml([[2, md5("data")]]) }),
      "InvalidPart",
      { "<upload-id>": one },
    );
    expectRecorded(
      await complete([
        [1, md5("data")],
        [2, md5("data")],
      ]),
      "EntityTooSmall",
    );
  });

  it("PreconditionFailed for a copy whose source is not the ETag it was made on", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "rec/source", Body: "data" }));
    const condition = {
      "x-amz-copy-source": `/${bucket}/rec/source`,
      "x-amz-copy-source-if-match": `"${md5("other")}"`,
    };
    expectRecorded(
      await send("PUT", "rec/copy", { headers: condition }),
      "PreconditionFailedCopySourceIfMatch",
    );
    const id = await newUpload("rec/part-copy");
    expectRecorded(
      await send("PUT", `rec/part-copy?partNumber=1&uploadId=${id}`, { headers: condition }),
      "PreconditionFailedCopySourceIfMatch",
    );
    // With the right ETag, both copy.
    const right = { ...condition, "x-amz-copy-source-if-match": `"${md5("data")}"` };
    expect((await send("PUT", "rec/copy", { headers: right })).status).toBe(200);
    const part = await send("PUT", `rec/part-copy?partNumber=1&uploadId=${id}`, { headers: right });
    expect(part.status).toBe(200);
    expect(decode(part.body)).toContain(`<ETag>"${md5("data")}"</ETag>`);
  });

  it("InvalidArgument for a malformed or out-of-range x-amz-copy-source-range", async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "rec/ten", Body: "0123456789" }));
    const id = await newUpload("rec/range");
    const copy = (range: string) =>
      send("PUT", `rec/range?partNumber=1&uploadId=${id}`, {
        headers: { "x-amz-copy-source": `/${bucket}/rec/ten`, "x-amz-copy-source-range": range },
      });
    expectRecorded(await copy("0-8"), "InvalidArgumentCopyRangeForm");
    expectRecorded(await copy("bytes=0-100"), "InvalidArgumentCopyRangeSize");
    expect((await copy("bytes=2-5")).status).toBe(200);
  });
});

describe("Storage.copy of a large source, by UploadPartCopy on the stand-in", () => {
  const bytes = 12 * MiB + 12_345;
  const body = randomBytes(bytes);
  const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

  async function put(key: string, data: Buffer) {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentType: "video/mp4" }),
    );
    return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag!;
  }
  const read = async (key: string) =>
    Buffer.from(
      await (
        await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      ).Body!.transformToByteArray(),
    );
  const exists = (key: string) =>
    s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      () => false,
    );

  /**
   * Runs `copy` with the app's S3 client watched: each command's name, part number and outcome,
   * and `before(part)` awaited just before a part copy is sent.
   */
  async function watched(copy: () => Promise<void>, before?: (part: number) => Promise<void>) {
    const { Aws } = await import("@rushes/core/aws");
    const client = await Aws.s3();
    const seen: { command: string; part?: number; outcome: string; uploadId?: string }[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { PartNumber?: number };
        if (context.commandName === "UploadPartCopyCommand") await before?.(input.PartNumber!);
        try {
          const out = await next(args);
          seen.push({
            command: String(context.commandName),
            part: input.PartNumber,
            outcome: "ok",
            uploadId: (out.output as { UploadId?: string }).UploadId,
          });
          return out;
        } catch (error) {
          seen.push({
            command: String(context.commandName),
            part: input.PartNumber,
            outcome: (error as Error).name,
          });
          throw error;
        }
      },
      { step: "initialize", name: "watch" },
    );
    try {
      return {
        error: await copy().then(
          () => undefined,
          (e: unknown) => e,
        ),
        seen,
      };
    } finally {
      client.middlewareStack.remove("watch");
    }
  }

  /** The copy's multipart upload is gone (aborted): listing its parts is NoSuchUpload. */
  async function expectAborted(key: string, seen: { command: string; uploadId?: string }[]) {
    const uploadId = seen.find((s) => s.command === "CreateMultipartUploadCommand")?.uploadId;
    expect(uploadId).toBeDefined();
    expect(seen.map((s) => s.command)).toContain("AbortMultipartUploadCommand");
    const listed = await send("GET", `${key}?uploadId=${uploadId}`);
    expect(errorFields(listed.body).Code).toBe("NoSuchUpload");
  }

  it("copies the validated bytes in parts, as a multipart object", async () => {
    const { Storage } = await import("@rushes/core/storage");
    const etag = await put("copy/a/source", body);
    const { error, seen } = await watched(() =>
      Storage.copy("copy/a/source", "copy/a/original", { etag, bytes }),
    );
    expect(error).toBeUndefined();
    expect(seen.filter((s) => s.command === "UploadPartCopyCommand")).toHaveLength(3);
    expect(sha(await read("copy/a/original"))).toBe(sha(body));
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "copy/a/original" }));
    expect(head.ETag).toMatch(/-3"$/);
    expect(head.ContentType).toBe("video/mp4");
  });

  it("refuses a re-post made between the validation and the copy: nothing is copied", async () => {
    const { Storage } = await import("@rushes/core/storage");
    const validated = await put("copy/b/source", body);
    // The re-post lands after the ETag was read and checked, before the copy starts.
    await put("copy/b/source", randomBytes(bytes));
    const { error, seen } = await watched(() =>
      Storage.copy("copy/b/source", "copy/b/original", { etag: validated, bytes }),
    );
    expect(error).toMatchObject({ name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
    expect(
      seen.filter((s) => s.command === "UploadPartCopyCommand").map((s) => s.outcome),
    ).not.toContain("ok");
    expect(await exists("copy/b/original")).toBe(false);
    await expectAborted("copy/b/original", seen);
  });

  it("refuses a re-post that lands mid-copy, after the first part: the copy is aborted", async () => {
    const { Storage } = await import("@rushes/core/storage");
    const validated = await put("copy/c/source", body);
    let reposted = false;
    const { error, seen } = await watched(
      () => Storage.copy("copy/c/source", "copy/c/original", { etag: validated, bytes }),
      // Part 1 goes out on the validated source; the upload is replaced before part 2 does.
      async (part) => {
        if (part === 2 && !reposted) {
          reposted = true;
          await put("copy/c/source", randomBytes(bytes));
        }
      },
    );
    expect(reposted).toBe(true);
    expect(error).toMatchObject({ name: "PreconditionFailed" });
    const parts = seen.filter((s) => s.command === "UploadPartCopyCommand");
    expect(parts.find((s) => s.part === 2)?.outcome).toBe("PreconditionFailed");
    expect(await exists("copy/c/original")).toBe(false);
    await expectAborted("copy/c/original", seen);
  });

  it("in ingest, a re-post between the validation and the copy is validated itself, never copied unchecked", async () => {
    const { Aws } = await import("@rushes/core/aws");
    const key = await h.newKey("race");
    const declared = await readFile(
      await generateVideo({ path: join(dir, "small.mp4"), seconds: 1 }),
    );
    // A real video, but more bytes than the upload declared: valid to ffmpeg, not to ingest.
    const larger = await readFile(
      await generateVideo({ path: join(dir, "larger.mp4"), seconds: 3, width: 640, height: 360 }),
    );
    expect(larger.length).toBeGreaterThan(declared.length);
    const created = await h.api(key, "POST", "/v1/uploads", {
      filename: "small.mp4",
      contentType: "video/mp4",
      bytes: declared.length,
    });
    const id = created.body.video.id as string;
    const client = await Aws.s3();
    let reposted = false;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { CopySource?: string };
        if (
          !reposted &&
          context.commandName === "CopyObjectCommand" &&
          input.CopySource?.includes(id)
        ) {
          // Ingest has checked the declared upload (HeadObject) and is about to copy it.
          reposted = true;
          expect((await postToPresigned(created.body.upload, larger)).status).toBe(204);
        }
        return next(args);
      },
      { step: "initialize", name: "repostBeforeCopy" },
    );
    try {
      expect((await postToPresigned(created.body.upload, declared)).status).toBe(204);
      const video = await h.waitForStatus(key, id, ["ready", "failed", "rejected"], 120_000);
      expect(reposted).toBe(true);
      // The copy refused the changed source (412); the retry validated what is there now.
      expect({ status: video.status, code: video.error?.code }).toEqual({
        status: "rejected",
        code: "too_large",
      });
    } finally {
      client.middlewareStack.remove("repostBeforeCopy");
    }
  }, 180_000);
});

describe("the stand-in's PUT is atomic, as S3's is", () => {
  // A growing HLS playlist is overwritten every couple of seconds while players read it; s3rver
  // alone writes in place, so a read during an overwrite got a torn playlist (s3-atomic.ts).
  it("a GET during overwrites reads one whole version or the other, never a mix or a part", async () => {
    const key = "atomic/playlist.m3u8";
    const versions = ["a", "b"].map((c) => Buffer.alloc(4 * MiB, c));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: versions[0] }));
    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 24; i++) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: versions[i % 2] }));
      }
      writing = false;
    })();
    const torn: string[] = [];
    let reads = 0;
    while (writing) {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = Buffer.from(await got.Body!.transformToByteArray());
      reads++;
      if (!versions.some((v) => v.equals(body))) {
        torn.push(`${body.length} bytes, ${body.subarray(0, 1)}…${body.subarray(-1)}`);
      }
    }
    await writer;
    expect(reads).toBeGreaterThan(5);
    expect(torn).toEqual([]);
    // A PUT is answered once its bytes are stored: the next GET reads all of them.
    const last = Buffer.alloc(3 * MiB, "c");
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: last }));
    const read = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(Buffer.from(await read.Body!.transformToByteArray()).equals(last)).toBe(true);
  }, 120_000);
});
