import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVideo, inspect } from "../support/media";
import { type Harness, startHarness, waitUntil } from "./harness";

// Clip requests end to end: recordings uploaded through presigned POSTs, the clip queue polled
// like Lambda's event source mapping (fauxqs), real ffmpeg cuts. Retry settings are shortened.
let h: Harness;
let key: string;
let dir: string;
let sqs: SQSClient;
const fps = 25;
const T0 = Date.now() - 120_000;
/** How many times the clip worker has handled each clip's message (the real handler, counted). */
const handled = new Map<string, number>();

beforeAll(async () => {
  h = await startHarness({
    env: {
      RUSHES_CLIP_RETRY_DELAY_SECONDS: "1",
      // Long enough for the late-footage test to upload and ingest a 4 s recording on a busy
      // machine (5 s was not, once in CI); the give-up test waits it out.
      RUSHES_CLIP_RETRY_LIMIT_SECONDS: "15",
      RUSHES_THUMBNAIL_WIDTHS: "160,320",
    },
    queue: { visibilityTimeoutSeconds: 5, maxReceiveCount: 2 },
    handlers: {
      clipWorker: async (event) => {
        const { handler } = await import("@rushes/functions/clip-worker");
        const out = await handler(event);
        for (const record of event.Records) {
          const { clipId } = JSON.parse(record.body) as { clipId: string };
          handled.set(clipId, (handled.get(clipId) ?? 0) + 1);
        }
        return out;
      },
    },
  });
  dir = h.dir;
  key = await h.newKey("clips");
  sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  await h.api(key, "POST", "/v1/cameras", { alias: "Pier", cameraId: "pier" });
  // Two consecutive 4 s recordings: [T0, T0+4s) and [T0+4s, T0+8s).
  for (const [i, offset] of [0, 4000].entries()) {
    const file = await generateVideo({
      path: join(dir, `rec-${i}.mp4`),
      seconds: 4,
      fps,
      gopSeconds: 1,
    });
    const id = await h.upload(key, file, {
      extra: { camera: { cameraId: "pier", recordedAt: T0 + offset } },
    });
    expect((await h.waitForStatus(key, id, ["ready", "failed", "rejected"])).status).toBe("ready");
  }
});

afterAll(async () => {
  sqs?.destroy();
  await h?.stop();
});

const waitForClip = async (id: string, statuses: string[], timeoutMs = 60_000) => {
  const seen: string[] = [];
  return waitUntil(
    () => `clip ${id} stuck in ${seen.at(-1)}`,
    async () => {
      const { body } = await h.api(key, "GET", `/v1/clips/${id}`);
      if (seen.at(-1) !== body.status) seen.push(body.status);
      return statuses.includes(body.status) ? { clip: body, seen } : undefined;
    },
    { timeoutMs },
  );
};

const requestClip = async (
  start: number,
  end: number,
  accuracy: "exact" | "fast" = "exact",
  cameraId = "pier",
) => {
  const res = await h.api(key, "POST", "/v1/clips", { cameraId, start, end, accuracy });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id as string;
};

const durationOf = async (url: string, name: string) => {
  const path = join(dir, name);
  await writeFile(path, Buffer.from(await (await fetch(url)).arrayBuffer()));
  return inspect(path);
};

describe("cutting", () => {
  it("cuts an exact clip across the junction of two recordings, within one frame", async () => {
    const id = await requestClip(T0 + 2500, T0 + 5500, "exact");
    const { clip } = await waitForClip(id, ["available", "failed", "not_available"]);
    expect(clip.status, JSON.stringify(clip.error)).toBe("available");
    const media = await durationOf(clip.output.url, `${id}.mp4`);
    expect(Math.abs(media.durationMs - 3000)).toBeLessThanOrEqual(1000 / fps + 1);
    expect(media.video?.codec).toBe("h264");
    expect(clip.thumbnails.map((t: { width: number }) => t.width)).toEqual([160, 320]);
    const event = await h.runtime.waitFor(
      (e) => e.type === "clip.available" && e.properties.clipId === id,
    );
    expect(event.properties).toMatchObject({
      cameraId: "pier",
      startTimestampInMs: T0 + 2500,
      endTimestampInMs: T0 + 5500,
      status: "available",
      bucket: "rushes-local-media",
      clip: { key: `clips/${id}/clip.mp4` },
      thumbnail: { key: `clips/${id}/thumbnails/{size}.jpg`, sizes: [160, 320] },
    });
    expect(String((event.properties.clip as { url: string }).url)).toMatch(/^http/);
  });

  it("cuts a fast clip by stream copy, within one GOP", async () => {
    const id = await requestClip(T0 + 2500, T0 + 5500, "fast");
    const { clip } = await waitForClip(id, ["available", "failed", "not_available"]);
    expect(clip.status, JSON.stringify(clip.error)).toBe("available");
    const media = await durationOf(clip.output.url, `${id}-fast.mp4`);
    expect(Math.abs(media.durationMs - 3000)).toBeLessThanOrEqual(1000 + 1000 / fps);
  });
});

describe("waiting for footage", () => {
  it("stays pending until late footage arrives, then becomes available", async () => {
    const id = await requestClip(T0 + 9000, T0 + 11_000, "exact");
    const before = await waitForClip(id, ["pending"]);
    expect(before.clip.status).toBe("pending");
    // The worker has looked twice (the request and one retry), found no footage, and waits on.
    await waitUntil(
      () => `the worker to look at ${id} twice (${handled.get(id) ?? 0})`,
      () => (handled.get(id) ?? 0) >= 2,
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect((await h.api(key, "GET", `/v1/clips/${id}`)).body.status).toBe("pending");
    const file = await generateVideo({ path: join(dir, "late.mp4"), seconds: 4, fps });
    const late = await h.upload(key, file, {
      extra: { camera: { cameraId: "pier", recordedAt: T0 + 8000 } },
    });
    await h.waitForStatus(key, late, ["ready"]);
    const { clip } = await waitForClip(id, ["available", "failed", "not_available"]);
    expect(clip.status).toBe("available");
  });

  it("gives up as not_available once the retry limit passes", async () => {
    await h.api(key, "POST", "/v1/cameras", { alias: "Dark", cameraId: "dark" });
    const id = await requestClip(T0, T0 + 2000, "exact", "dark");
    const { clip, seen } = await waitForClip(id, ["not_available", "available", "failed"], 60_000);
    expect(seen[0]).toBe("pending");
    expect(clip.status).toBe("not_available");
    expect(clip.error.code).toBe("not_available");
    await h.runtime.waitFor((e) => e.type === "clip.not_available" && e.properties.clipId === id);
  });

  it("refuses a request four days old", async () => {
    const old = Date.now() - 4 * 86_400_000;
    const res = await h.api(key, "POST", "/v1/clips", {
      cameraId: "pier",
      start: old,
      end: old + 1000,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("out_of_range");
  });
});

describe("queue semantics", () => {
  it("produces one output for a duplicate delivery", async () => {
    const id = await requestClip(T0 + 1000, T0 + 3000, "fast");
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: h.runtime.resources.queueUrl,
        MessageBody: JSON.stringify({ clipId: id }),
      }),
    );
    await waitForClip(id, ["available"]);
    // Both deliveries worked to their end, whichever came second.
    await h.clipQueueDrained();
    const events = h.runtime.events.filter(
      (e) => e.type === "clip.available" && e.properties.clipId === id,
    );
    expect(events).toHaveLength(1);
    expect((await h.api(key, "GET", `/v1/clips/${id}`)).body.attempts).toBe(1);
  });

  it("sends a malformed message to the DLQ without blocking the rest of its batch", async () => {
    const id = await requestClip(T0 + 500, T0 + 1500, "fast");
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: h.runtime.resources.queueUrl,
        Entries: [
          { Id: "poison", MessageBody: "{not json" },
          { Id: "good", MessageBody: JSON.stringify({ clipId: id }) },
        ],
      }),
    );
    expect((await waitForClip(id, ["available"])).clip.status).toBe("available");
    const deadline = Date.now() + 30_000;
    let dead: string[] = [];
    while (!dead.includes("{not json") && Date.now() < deadline) {
      const res = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: h.runtime.resources.dlqUrl,
          WaitTimeSeconds: 1,
          MaxNumberOfMessages: 10,
        }),
      );
      dead = dead.concat((res.Messages ?? []).map((m) => m.Body ?? ""));
    }
    expect(dead).toContain("{not json");
  }, 60_000);
});
