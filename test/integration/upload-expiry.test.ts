import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { generateVideo } from "../support/media";
import { type Harness, postToPresigned, startHarness, waitUntil } from "./harness";

// S3 refuses a presigned POST after its policy expires; the local stand-in accepts it, so ingest
// must refuse it itself: the video ends `expired` and the late object is deleted.
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness({
    env: { RUSHES_UPLOAD_EXPIRES_SECONDS: "1", RUSHES_SWEEP_INTERVAL_SECONDS: "3600" },
  });
  dir = h.dir;
});

afterAll(async () => {
  await h?.stop();
});

it("refuses a POST made after the presign expired: expired, and the object is gone", async () => {
  const key = await h.newKey("late");
  const bytes = await readFile(await generateVideo({ path: join(dir, "late.mp4"), seconds: 1 }));
  const created = await h.api(key, "POST", "/v1/uploads", {
    filename: "late.mp4",
    contentType: "video/mp4",
    bytes: bytes.length,
  });
  const id = created.body.video.id as string;
  // S3's Last-Modified has whole seconds: post once the clock, rounded down to the second, is
  // past the expiry, so the stored time is past it too.
  const expiresAt = Date.parse(created.body.upload.expiresAt);
  const wholeSecond = () => Math.floor(Date.now() / 1000) * 1000;
  await waitUntil("the presign to expire", () => wholeSecond() > expiresAt, { intervalMs: 50 });
  expect(wholeSecond()).toBeGreaterThan(expiresAt);
  // The stand-in takes it (S3 would answer 403); what matters is what ingest does next.
  expect((await postToPresigned(created.body.upload, bytes)).status).toBe(204);
  await h.runtime.idle();
  const video = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
  expect(video.status).toBe("expired");
  expect(video.attempts).toBe(0);
  expect(video.renditions).toEqual([]);
  const s3 = new S3Client({ forcePathStyle: true });
  const head = await s3
    .send(
      new HeadObjectCommand({ Bucket: h.runtime.resources.bucket, Key: `uploads/${id}/source` }),
    )
    .then(
      () => "present",
      (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
    );
  s3.destroy();
  expect(head).toBe(404);
  const history = (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data.map(
    (e: { type: string }) => e.type,
  );
  expect(history).toEqual(["created", "expired"]);
}, 60_000);
