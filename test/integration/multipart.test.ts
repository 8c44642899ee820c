import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspect, noisyVideo } from "../support/media";
import { waitUntil } from "../support/wait";
import { type Harness, startHarness } from "./harness";

// Multipart uploads end to end on the real stand-ins: parts PUT to s3rver through presigned
// URLs, completion, the CompleteMultipartUpload event, real ingest with ffmpeg, and ffprobe on
// what comes out. Parts are 5 MiB (S3's minimum), so a 3-part source is just over 10 MiB.
const MiB = 1024 ** 2;

let h: Harness;
let key: string;
let dir: string;
let source: Buffer;
let sourcePath: string;

beforeAll(async () => {
  h = await startHarness({
    env: {
      RUSHES_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
      RUSHES_MULTIPART_PART_BYTES: String(5 * MiB),
      RUSHES_THUMBNAIL_WIDTHS: "300,640",
    },
  });
  dir = h.dir;
  key = await h.newKey("multipart");
  sourcePath = await noisyVideo(join(dir, "noise.mp4"));
  source = await readFile(sourcePath);
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

const create = async (bytes = source.length) => {
  const created = await h.api(key, "POST", "/v1/uploads", {
    filename: "noise.mp4",
    contentType: "video/mp4",
    bytes,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as {
    video: { id: string };
    upload: { method: string; uploadId: string; partSize: number; partCount: number };
  };
};

/** Signs the parts, then PUTs each slice of the file, as a client running `curl -T` would. */
const putParts = async (id: string, partSize: number, numbers: number[]) => {
  const signed = await h.api(key, "POST", `/v1/uploads/${id}/parts`, { partNumbers: numbers });
  expect(signed.status, JSON.stringify(signed.body)).toBe(200);
  const etags: Array<{ partNumber: number; etag: string }> = [];
  for (const { partNumber, url } of signed.body.parts as { partNumber: number; url: string }[]) {
    const slice = source.subarray((partNumber - 1) * partSize, partNumber * partSize);
    const res = await fetch(url, { method: "PUT", body: new Uint8Array(slice) });
    expect(res.status).toBe(200);
    etags.push({ partNumber, etag: res.headers.get("etag") ?? "" });
  }
  return etags;
};

const expectReadyWithOutputs = async (id: string) => {
  const video = await h.waitForStatus(key, id, ["ready", "failed", "rejected"], 120_000);
  expect(video.status, JSON.stringify(video.error)).toBe("ready");
  expect(video.probe).toMatchObject({ width: 640, height: 360, videoCodec: "h264" });
  const rendition = video.renditions[0];
  const path = join(dir, `${id}.mp4`);
  await writeFile(path, Buffer.from(await (await fetch(rendition.url)).arrayBuffer()));
  const out = await inspect(path);
  expect(out.video).toMatchObject({ codec: "h264", width: 640, height: 360 });
  expect(out.durationMs).toBeGreaterThan(1000);
  // The source S3 assembled is the file, byte for byte.
  const stored = Buffer.from(await (await fetch(video.source.url)).arrayBuffer());
  expect(stored.equals(source)).toBe(true);
  return video;
};

describe("multipart uploads on the stand-ins", () => {
  it("the generated source needs three 5 MiB parts", () => {
    expect(source.length).toBeGreaterThan(10 * MiB);
    expect(source.length).toBeLessThanOrEqual(15 * MiB);
  });

  it("a 3-part upload completes, ingests from CompleteMultipartUpload and ends ready", async () => {
    const { video, upload } = await create();
    expect(upload).toMatchObject({ method: "MULTIPART", partSize: 5 * MiB, partCount: 3 });
    const parts = await putParts(video.id, upload.partSize, [1, 2, 3]);
    const done = await h.api(key, "POST", `/v1/uploads/${video.id}/complete`, { parts });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    const ready = await expectReadyWithOutputs(video.id);
    const history = (await h.api(key, "GET", `/v1/videos/${video.id}/events`)).body.data.map(
      (e: { type: string }) => e.type,
    );
    expect(history).toEqual(["created", "upload_completed", "processing", "ready"]);
    // The object keeps CreateMultipartUpload's Content-Type (s3rver too), so ingest's re-check
    // passed unchanged, and the source kept it wherever ingest filed it.
    const { HeadObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
    const s3 = new S3Client({ forcePathStyle: true });
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: h.runtime.resources.bucket, Key: ready.source.key }),
    );
    s3.destroy();
    expect(head.ContentType).toBe("video/mp4");
    expect(head.ContentLength).toBe(source.length);
  }, 180_000);

  it("resumes: 2 parts, then with only the id, lists them, uploads the third and completes", async () => {
    const { video, upload } = await create();
    await putParts(video.id, upload.partSize, [1, 2]);

    // The client forgets everything but the video id: the API gives back the plan and the parts.
    const id = video.id;
    const again = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
    expect(again.multipart).toEqual({ partSize: 5 * MiB, partCount: 3 });
    const listed = await h.api(key, "GET", `/v1/uploads/${id}/parts`);
    expect(listed.body.parts.map((p: { partNumber: number }) => p.partNumber)).toEqual([1, 2]);
    expect(listed.body.parts.map((p: { bytes: number }) => p.bytes)).toEqual([5 * MiB, 5 * MiB]);
    const have = new Set(listed.body.parts.map((p: { partNumber: number }) => p.partNumber));
    const missing = [1, 2, 3].filter((n) => !have.has(n));
    expect(missing).toEqual([3]);
    const third = await putParts(id, again.multipart.partSize, missing);
    const parts = [...listed.body.parts, ...third]
      .map(({ partNumber, etag }: { partNumber: number; etag: string }) => ({ partNumber, etag }))
      .sort((a, b) => a.partNumber - b.partNumber);
    const done = await h.api(key, "POST", `/v1/uploads/${id}/complete`, { parts });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    await expectReadyWithOutputs(id);
  }, 180_000);

  it("an aborted upload ends cancelled, its parts gone and no object made", async () => {
    const { video, upload } = await create();
    await putParts(video.id, upload.partSize, [1, 2]);
    const aborted = await h.api(key, "DELETE", `/v1/uploads/${video.id}`);
    expect(aborted.status).toBe(200);
    expect(aborted.body.status).toBe("cancelled");
    const { HeadObjectCommand, ListPartsCommand, S3Client } = await import("@aws-sdk/client-s3");
    const s3 = new S3Client({ forcePathStyle: true });
    const target = { Bucket: h.runtime.resources.bucket, Key: `uploads/${video.id}/source` };
    await expect(
      s3.send(new ListPartsCommand({ ...target, UploadId: upload.uploadId })),
    ).rejects.toMatchObject({ name: "NoSuchUpload" });
    await expect(s3.send(new HeadObjectCommand(target))).rejects.toMatchObject({
      name: "NotFound",
    });
    s3.destroy();
    await h.runtime.idle();
    const after = (await h.api(key, "GET", `/v1/videos/${video.id}`)).body;
    expect(after.status).toBe("cancelled");
    const history = (await h.api(key, "GET", `/v1/videos/${video.id}/events`)).body.data.map(
      (e: { type: string }) => e.type,
    );
    expect(history).toEqual(["created", "cancelled"]);
    // Subscribers hear of it once, as `video.cancelled`.
    const published = await waitUntil("video.cancelled published", () => {
      const found = h.runtime.events.filter((e) => e.properties.videoId === video.id);
      return found.length > 0 && found;
    });
    expect(published.map((e) => [e.type, e.properties.status])).toEqual([
      ["video.cancelled", "cancelled"],
    ]);
  }, 60_000);

  it("ingest still rejects a multipart source larger than declared", async () => {
    // Declared 10 MiB, so 2 parts; the client then sends 5 MiB and the whole rest as part 2.
    const { video, upload } = await create(10 * MiB);
    expect(upload.partCount).toBe(2);
    const signed = await h.api(key, "POST", `/v1/uploads/${video.id}/parts`, {
      partNumbers: [1, 2],
    });
    const slices = [source.subarray(0, 5 * MiB), source.subarray(5 * MiB)];
    const parts = [];
    for (const [i, { partNumber, url }] of (
      signed.body.parts as { partNumber: number; url: string }[]
    ).entries()) {
      const res = await fetch(url, { method: "PUT", body: new Uint8Array(slices[i]!) });
      parts.push({ partNumber, etag: res.headers.get("etag") ?? "" });
    }
    expect((await h.api(key, "POST", `/v1/uploads/${video.id}/complete`, { parts })).status).toBe(
      200,
    );
    const settled = await h.waitForStatus(key, video.id, ["ready", "failed", "rejected"]);
    expect(settled.status).toBe("rejected");
    expect(settled.error.code).toBe("too_large");
  }, 60_000);
});
