import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, startHarness, waitUntil } from "./harness";

// The MediaConvert path end to end, with only the MediaConvert API itself faked: a real upload is
// probed by ingest, the job is submitted to a local endpoint that records it, then an EventBridge
// "Job State Change" event (shaped like AWS's) finishes the video through mediaconvert-complete.
let h: Harness;
let endpoint: Server;
const jobs: { videoId: string; body: Record<string, any> }[] = [];
const fixture = (name: string) =>
  JSON.parse(
    readFileSync(
      join(import.meta.dirname, `../../packages/core/test/media/fixtures/${name}.json`),
      "utf8",
    ),
  );

beforeAll(async () => {
  endpoint = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const parsed = JSON.parse(body);
    jobs.push({ videoId: parsed.userMetadata.videoId, body: parsed });
    res.writeHead(201, { "content-type": "application/json" });
    res.end(JSON.stringify({ job: { id: `job-${jobs.length}`, status: "SUBMITTED" } }));
  });
  await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
  h = await startHarness({
    env: {
      RUSHES_TRANSCODER: "mediaconvert",
      RUSHES_MEDIACONVERT_ROLE_ARN: "arn:aws:iam::111122223333:role/rushes-mediaconvert",
      RUSHES_MEDIACONVERT_ENDPOINT: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`,
      RUSHES_THUMBNAIL_WIDTHS: "300,640",
    },
  });
});

afterAll(async () => {
  await h?.stop();
  endpoint?.close();
});

/** mediaconvert-complete as EventBridge invokes it: as its own function, for the IAM recorder. */
const completeHandler = async () => {
  const [{ handler }, { AwsRecord }] = await Promise.all([
    import("@rushes/functions/mediaconvert-complete"),
    import("@rushes/core/aws-record"),
  ]);
  return (event: Parameters<typeof handler>[0]) =>
    AwsRecord.as("MediaConvertComplete", () => handler(event));
};

/** Waits until ingest has recorded the submitted job on the video. */
const waitForJob = async (id: string) => {
  const { Lifecycle } = await import("@rushes/core/lifecycle");
  return waitUntil(
    () => `no job recorded for ${id}`,
    async () => (await Lifecycle.video.load(id))?.transcodeJobId,
    { timeoutMs: 30_000, intervalMs: 100 },
  );
};

/** The fixture event, re-pointed at our video, job and bucket. */
const completion = (name: string, videoId: string, jobId: string) => {
  const text = JSON.stringify(fixture(name))
    .replaceAll("vid_01jnfxk2v8q3m4r5s6t7v8w9x0", videoId)
    .replaceAll("1741083601234-abc123", jobId)
    .replaceAll("1741083755321-def456", jobId)
    .replaceAll("rushes-prod-media", "rushes-local-media");
  return JSON.parse(text);
};

it("submits a job for a probed upload and finishes the video from the COMPLETE event", async () => {
  const key = await h.newKey("mc");
  const { id } = await h.uploadNew(key, "a.mp4", {
    width: 1920,
    height: 1080,
    seconds: 1,
    fps: 10,
  });
  const jobId = await waitForJob(id);
  const job = jobs.find((j) => j.videoId === id)!;
  expect(job.body.role).toBe("arn:aws:iam::111122223333:role/rushes-mediaconvert");
  // Ingest moved the validated source out of the presign's reach before submitting.
  expect(job.body.settings.inputs[0].fileInput).toBe(
    `s3://rushes-local-media/sources/${id}/source`,
  );
  expect(job.body.userMetadata).toEqual({ videoId: id, stage: "local" });
  const submitted = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
  expect(submitted.status).toBe("processing");
  expect(submitted.probe).toMatchObject({ width: 1920, height: 1080 });

  // MediaConvert would have written these; the completion reads their sizes.
  const event = completion("mediaconvert-complete", id, jobId);
  const s3 = new S3Client({ forcePathStyle: true });
  for (const group of event.detail.outputGroupDetails) {
    for (const output of group.outputDetails) {
      for (const path of output.outputFilePaths) {
        const key = path.replace("s3://rushes-local-media/", "");
        await s3.send(
          new PutObjectCommand({ Bucket: "rushes-local-media", Key: key, Body: "x".repeat(100) }),
        );
      }
    }
  }
  s3.destroy();

  const handler = await completeHandler();
  // A completion for another job (a stale or foreign event) changes nothing.
  await handler(completion("mediaconvert-complete", id, "job-unrelated"));
  expect((await h.api(key, "GET", `/v1/videos/${id}`)).body.status).toBe("processing");

  await handler(event);
  await handler(event);
  const video = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
  expect(video.status).toBe("ready");
  expect(video.renditions.map((r: { name: string; bytes: number }) => [r.name, r.bytes])).toEqual([
    ["720p", 100],
    ["480p", 100],
  ]);
  expect(video.thumbnails.length).toBeGreaterThan(0);
  await h.runtime.waitFor((e) => e.type === "video.ready" && e.properties.videoId === id);
  const history = (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data.map(
    (e: { type: string }) => e.type,
  );
  expect(history.filter((t: string) => t === "ready")).toHaveLength(1);
});

it("fails the video with MediaConvert's reason on an ERROR event", async () => {
  const key = await h.newKey("mc-error");
  const { id } = await h.uploadNew(key, "b.mp4", { seconds: 1, fps: 10 });
  const jobId = await waitForJob(id);
  const handler = await completeHandler();
  await handler(completion("mediaconvert-error", id, jobId));
  const video = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
  expect(video.status).toBe("failed");
  expect(video.error.code).toMatch(/^[a-z_0-9]+$/);
  expect(video.error.message.length).toBeGreaterThan(0);
});
