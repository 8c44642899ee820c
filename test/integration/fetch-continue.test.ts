// URL ingest across invocations: the Fetch function's time budget forced tiny, so each invocation
// stores a part or so, records its progress and sends itself a continuation message; the next
// one resumes the same multipart upload. A duplicate message meanwhile does no harm.
import { S3Client } from "@aws-sdk/client-s3";
import { SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { paddedVideo, storedObject } from "../support/fetched";
import { generateVideo } from "../support/media";
import { type Origin, startOrigin } from "../support/origin";
import { type Harness, startHarness } from "./harness";

const MiB = 1024 ** 2;

let h: Harness;
let origin: Origin;
let key: string;

beforeAll(async () => {
  h = await startHarness({
    env: {
      RUSHES_MULTIPART_PART_BYTES: String(5 * MiB),
      RUSHES_FETCH_ALLOW_LOCAL: "true",
      // The Fetch function's remaining time as its handler sees it, at the start of each run.
      RUSHES_LOCAL_FETCH_TIMEOUT_MS: "500",
    },
  });
  origin = await startOrigin();
  key = await h.newKey("continued");
}, 120_000);

afterAll(async () => {
  await origin?.close();
  await h?.stop();
});

it("a fetch longer than one invocation continues through its queue into the same bytes", async () => {
  const file = await generateVideo({ path: `${h.dir}/take.mp4`, seconds: 2 });
  const padded = await paddedVideo(file, 41 * MiB);
  origin.files.set("/long.mp4", {
    size: padded.size,
    seed: 1,
    ranges: true,
    contentLength: true,
    etag: '"long"',
    content: padded.content,
    // About 5 s in all: however fast the machine, the fetch outlasts several 500 ms budgets.
    bytesPerSecond: 8 * MiB,
  });
  const res = await h.api(key, "POST", "/v1/uploads", { url: origin.url("/long.mp4") });
  expect(res.status).toBe(202);
  const id = res.body.video.id as string;

  // A duplicate of the first message: its runner finds the fetch claimed, or (between two runs)
  // takes its turn from the recorded progress; either way no part is written twice.
  const sqs = new SQSClient({ endpoint: h.runtime.endpoints.sqs });
  const { Resource } = await import("sst");
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: Resource.FetchQueue.url,
      MessageBody: JSON.stringify({ videoId: id, owner: "continued" }),
    }),
  );
  sqs.destroy();

  const done = await h.waitForStatus(key, id, ["ready", "failed", "rejected"], 240_000);
  expect(done.status, JSON.stringify(done.error)).toBe("ready");
  const events = (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data as Array<{
    type: string;
    detail?: { continued?: boolean; bytes?: number };
  }>;
  // Each continuation recorded its progress first, further along each time.
  const continued = events.filter((e) => e.type === "fetching" && e.detail?.continued);
  expect(continued.length).toBeGreaterThanOrEqual(2);
  const offsets = continued.map((e) => e.detail!.bytes!);
  expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  expect(new Set(offsets).size).toBe(offsets.length);
  // One GET per invocation: each continuation resumed with Range, none started over.
  const requests = origin.requests.filter((r) => r.path === "/long.mp4");
  expect(requests.filter((r) => !r.range)).toHaveLength(1);
  expect(requests.length).toBe(continued.length + 1);
  const s3 = new S3Client({ forcePathStyle: true });
  expect(await storedObject(s3, h.runtime.resources.bucket, `sources/${id}/source`)).toEqual({
    sha256: padded.sha256,
    bytes: padded.size,
  });
  s3.destroy();
}, 300_000);
