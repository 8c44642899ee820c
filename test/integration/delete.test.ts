import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVideo } from "../support/media";
import { type Harness, postToPresigned, startHarness, waitUntil } from "./harness";

// A DELETE while chunk workers still write (issue 21, item 1). The first object a worker puts
// under the video's media/ is held until the DELETE has answered, so writes after the delete
// are certain, not a matter of timing; then nothing of the video may be left once the sweep
// has run past the bound (a processing lease after the delete).
let h: Harness;
let dir: string;
let key: string;
let s3: S3Client;
let sqs: SQSClient;
let inFlight = 0;

/** The video whose first media/ write is held, and the gate it waits on. */
let held: { id: string; reached: () => void; open: Promise<void> } | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rushes-delete-"));
  h = await startHarness({
    env: {
      RUSHES_CHUNK_SECONDS: "4",
      RUSHES_THUMBNAIL_WIDTHS: "300",
      RUSHES_LOCAL_CHUNK_CONCURRENCY: "2",
    },
    handlers: {
      chunkWorker: async (event: SQSEvent) => {
        inFlight++;
        try {
          const real = (await import("@rushes/functions/chunk-worker")).handler;
          return await real(event);
        } finally {
          inFlight--;
        }
      },
    },
  });
  const { Storage } = await import("@rushes/core/storage");
  const upload = Storage.upload;
  Storage.upload = async (objectKey, ...rest) => {
    const gate = held;
    if (gate && objectKey.startsWith(`media/${gate.id}/`)) {
      gate.reached();
      await gate.open;
    }
    return upload(objectKey, ...rest);
  };
  s3 = new S3Client({ endpoint: h.runtime.endpoints.s3, forcePathStyle: true });
  sqs = new SQSClient({ endpoint: h.runtime.endpoints.sqs, useQueueUrlAsEndpoint: false });
  key = await h.newKey("deleter");
}, 120_000);

afterAll(async () => {
  s3?.destroy();
  sqs?.destroy();
  await h?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function objectsOf(videoId: string) {
  const keys: string[] = [];
  for (const prefix of ["uploads", "sources", "media", "work"]) {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: h.runtime.resources.bucket,
        Prefix: `${prefix}/${videoId}/`,
      }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
  }
  return keys;
}

/** No chunk message visible, in flight or delayed, and no worker running: nothing writes. */
async function chunkWorkersDone() {
  const { Resource } = await import("sst");
  await waitUntil(
    "the chunk workers to finish",
    async () => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: Resource.ChunkQueue.url,
          AttributeNames: [
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
          ],
        }),
      );
      return inFlight === 0 && Object.values(Attributes).every((n) => n === "0");
    },
    { timeoutMs: 120_000 },
  );
  await h.runtime.idle(60_000);
}

describe("DELETE during chunked processing", () => {
  it("leaves nothing once the sweep has run past the bound", async () => {
    const file = await generateVideo({ path: join(dir, "long.mp4"), seconds: 24, fps: 10 });
    const bytes = await readFile(file);
    const created = await h.api(key, "POST", "/v1/uploads", {
      filename: "long.mp4",
      contentType: "video/mp4",
      bytes: bytes.length,
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.video.id as string;
    let reached!: () => void;
    let open!: () => void;
    const firstWrite = new Promise<void>((r) => {
      reached = r;
    });
    held = { id, reached, open: new Promise<void>((r) => (open = r)) };
    expect((await postToPresigned(created.body.upload, bytes)).status).toBe(204);

    // A worker is about to write under media/: the video is processing, and chunked.
    await firstWrite;
    const { Lifecycle } = await import("@rushes/core/lifecycle");
    const before = await Lifecycle.video.load(id);
    expect(before?.status).toBe("processing");
    expect(before?.chunks).toBeGreaterThan(1);

    expect((await h.api(key, "DELETE", `/v1/videos/${id}`)).status).toBe(204);
    open();
    await chunkWorkersDone();
    // The writes after the delete happened: this is what used to stay for ever.
    expect((await objectsOf(id)).some((k) => k.startsWith(`media/${id}/`))).toBe(true);
    expect((await h.api(key, "GET", `/v1/videos/${id}`)).status).toBe(404);

    const { Sweep } = await import("@rushes/core/sweep");
    const redrive = { video: async () => {}, clip: async () => {} };
    // Within the bound a writer may still be running: the sweep leaves the video alone.
    await Sweep.run(redrive);
    expect((await objectsOf(id)).length).toBeGreaterThan(0);
    // Past it, every prefix goes, and the tombstone with it.
    const later = Date.now() + Lifecycle.leaseEnd(0) + 1000;
    const report = await Sweep.run(redrive, { now: later });
    expect(await objectsOf(id)).toEqual([]);
    expect(report.removed).toEqual([id]);
    const { Dynamo } = await import("@rushes/core/dynamo");
    expect((await Dynamo.entities.videoTombstone.get({ videoId: id }).go()).data).toBeNull();
    expect((await Dynamo.entities.videoEvent.query.byId({ videoId: id }).go()).data).toEqual([]);
    expect((await Sweep.run(redrive, { now: later })).removed).toEqual([]);
  }, 240_000);
});

describe("playback after a delete (item 5)", () => {
  it("a token minted before the DELETE gets nothing after it, not even from a warm cache", async () => {
    const file = await generateVideo({ path: join(dir, "short.mp4"), seconds: 3, fps: 10 });
    const id = await h.upload(key, file);
    const video = await h.waitForStatus(key, id, ["ready", "failed"]);
    expect(video.status).toBe("ready");
    const { hls, storyboard } = video.playback as { hls: string; storyboard: string };
    const get = (url: string) =>
      fetch(url).then(async (r) => ({ status: r.status, text: await r.text() }));
    // Played once: the playlists are in the function's memory, a segment URL is in hand.
    const master = await get(hls);
    expect(master.status).toBe(200);
    const rung = master.text.split("\n").find((line) => line.endsWith(".m3u8"))!;
    const rungUrl = new URL(rung, hls).toString();
    const playlist = await get(rungUrl);
    expect(playlist.status).toBe(200);
    const segment = playlist.text.split("\n").find((line) => line.startsWith("http"))!;
    expect((await get(segment)).status).toBe(200);
    expect((await get(storyboard)).status).toBe(200);

    expect((await h.api(key, "DELETE", `/v1/videos/${id}`)).status).toBe(204);
    // The bound locally: nothing plays from the moment the DELETE has answered.
    for (const url of [hls, rungUrl, storyboard]) {
      const after = await fetch(url);
      expect(after.status, url).toBe(404);
    }
    expect((await get(segment)).status).not.toBe(200);
  }, 120_000);
});
