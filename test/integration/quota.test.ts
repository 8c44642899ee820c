import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVideo } from "../support/media";
import { type Harness, startHarness, waitUntil } from "./harness";

// Per-owner quotas against the embedded runtime: the table's slots queue, release and hand off;
// the sweep catches a lost hand-off; a crashed worker's slot frees with its lease; 429s name
// the quota and say when to retry.
let h: Harness;
let dir: string;
let clip: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rushes-quota-"));
  h = await startHarness({ env: { RUSHES_THUMBNAIL_WIDTHS: "300" } });
  clip = await generateVideo({
    path: join(dir, "clip.mp4"),
    seconds: 2,
    fps: 10,
    width: 160,
    height: 120,
  });
});

afterAll(async () => {
  await h?.stop();
  await rm(dir, { recursive: true, force: true });
});

const setQuotas = async (owner: string, quotas: Record<string, number | null>) => {
  const res = await h.api(h.runtime.devKey, "PUT", `/v1/owners/${owner}/quotas`, quotas);
  expect(res.status, res.text).toBe(200);
  return res.body;
};

type Event = { type: string; at: string };
const history = async (key: string, id: string): Promise<Event[]> =>
  (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data;
const at = (events: Event[], type: string) =>
  Date.parse(events.find((e) => e.type === type)?.at ?? "");

async function uploadQueued(key: string, count: number) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await h.upload(key, clip);
    await h.waitForStatus(key, id, ["queued"]);
    ids.push(id);
  }
  // Each ingest run hands off once more after queueing its video: let those settle first.
  await h.runtime.idle();
  return ids;
}

describe("the concurrent-processing quota", () => {
  it("queues past the limit, then starts the oldest queued video when a slot frees", async () => {
    const key = await h.newKey("q-fifo");
    await setQuotas("q-fifo", { concurrentProcessing: 0 });
    const ids = await uploadQueued(key, 3);
    // One slot: the oldest starts at once, each next one when the one before releases its slot.
    await setQuotas("q-fifo", { concurrentProcessing: 1 });
    for (const id of ids)
      expect((await h.waitForStatus(key, id, ["ready", "failed"])).status).toBe("ready");
    const histories = await Promise.all(ids.map((id) => history(key, id)));
    for (const events of histories) {
      expect(events.map((e) => e.type)).toEqual(["created", "queued", "processing", "ready"]);
    }
    for (let i = 1; i < histories.length; i++) {
      // Never two processing at once, and in upload order.
      expect(at(histories[i]!, "processing")).toBeGreaterThanOrEqual(
        at(histories[i - 1]!, "ready"),
      );
    }
    const usage = (await h.api(key, "GET", "/v1/usage")).body;
    expect(
      usage.quotas.find((q: { name: string }) => q.name === "concurrentProcessing"),
    ).toMatchObject({
      limit: 1,
      usage: 0,
      default: false,
    });
  });

  it("is fair between owners: one owner's queue never delays another owner's first video", async () => {
    const busy = await h.newKey("q-busy");
    const other = await h.newKey("q-other");
    await setQuotas("q-busy", { concurrentProcessing: 0 });
    const waiting = await uploadQueued(busy, 4);
    const first = await h.upload(other, clip);
    expect((await h.waitForStatus(other, first, ["ready", "failed"])).status).toBe("ready");
    expect((await history(other, first)).map((e) => e.type)).toEqual([
      "created",
      "processing",
      "ready",
    ]);
    for (const id of waiting) {
      expect((await h.api(busy, "GET", `/v1/videos/${id}`)).body.status).toBe("queued");
    }
  });

  it("starts a queued video whose hand-off a crash lost, at the next sweep", async () => {
    const key = await h.newKey("q-crash");
    await setQuotas("q-crash", { concurrentProcessing: 0 });
    const [a, b] = await uploadQueued(key, 2);
    const { Slots } = await import("@rushes/core/quota/slots");
    // The process that frees a slot dies right after: its hand-offs never reach ingest.
    const lost: string[] = [];
    const port = Slots.useRedrive(async (videoId) => void lost.push(videoId));
    try {
      await setQuotas("q-crash", { concurrentProcessing: 1 });
      expect(lost).toEqual([a]);
      expect((await h.api(key, "GET", `/v1/videos/${a}`)).body.status).toBe("queued");
      // The sweep finds the queued video and a free slot.
      expect((await h.runtime.sweep()).started).toEqual([a]);
      expect((await h.waitForStatus(key, a!, ["ready", "failed"])).status).toBe("ready");
      // a's own release handed b off into the void too; the next sweep starts it.
      await waitUntil("b's lost hand-off", () => lost.includes(b!));
      expect((await h.api(key, "GET", `/v1/videos/${b}`)).body.status).toBe("queued");
      expect((await h.runtime.sweep()).started).toEqual([b]);
    } finally {
      Slots.useRedrive(port);
    }
    expect((await h.waitForStatus(key, b!, ["ready", "failed"])).status).toBe("ready");
  });

  it("frees a crashed worker's slot when its lease runs out", async () => {
    const key = await h.newKey("q-dead");
    await setQuotas("q-dead", { concurrentProcessing: 1 });
    const { Dynamo } = await import("@rushes/core/dynamo");
    // The one slot, held by a video whose worker died: still `processing`, its lease over.
    const dead = "vid_01jdeadworker0000000000000";
    const past = Date.now() - 60_000;
    await Dynamo.entities.video
      .create({
        videoId: dead,
        owner: "q-dead",
        filename: "dead.mp4",
        contentType: "video/mp4",
        bytes: 1,
        sourceKey: `uploads/${dead}/source`,
        status: "processing",
        slot: 0,
        dueScope: "video/processing",
        dueAt: past,
        processingStartedAt: past - 900_000,
        uploadExpiresAt: past,
        createdAt: past - 900_000,
      })
      .go();
    await Dynamo.entities.slot
      .create({ owner: "q-dead", slot: 0, videoId: dead, until: past })
      .go();
    const id = await h.upload(key, clip);
    expect((await h.waitForStatus(key, id, ["ready", "failed", "queued"])).status).not.toBe(
      "queued",
    );
    expect((await history(key, id)).map((e) => e.type)).not.toContain("queued");
    const { data: slot } = await Dynamo.entities.slot.get({ owner: "q-dead", slot: 0 }).go();
    expect(slot?.videoId === dead).toBe(false);
  });

  it("frees a slot whose video ended but whose release was lost", async () => {
    const key = await h.newKey("q-unreleased");
    await setQuotas("q-unreleased", { concurrentProcessing: 1 });
    const first = await h.upload(key, clip);
    expect((await h.waitForStatus(key, first, ["ready", "failed"])).status).toBe("ready");
    await h.runtime.idle();
    const { Dynamo } = await import("@rushes/core/dynamo");
    // The process died between `ready` and the release: the slot item still names the video.
    await Dynamo.entities.slot
      .create({ owner: "q-unreleased", slot: 0, videoId: first, until: Date.now() - 1 })
      .go();
    const next = await h.upload(key, clip);
    expect((await h.waitForStatus(key, next, ["ready", "failed"])).status).toBe("ready");
    expect((await history(key, next)).map((e) => e.type)).not.toContain("queued");
  });
});

describe("quotas refuse with 429 quota_exceeded", () => {
  it("refuses an upload over the day's source minutes, with Retry-After", async () => {
    const key = await h.newKey("q-minutes");
    const first = await h.upload(key, clip);
    expect((await h.waitForStatus(key, first, ["ready", "failed"])).status).toBe("ready");
    // Two seconds used; a limit of 0 minutes is reached until they leave the 24 h window.
    await setQuotas("q-minutes", { dailySourceMinutes: 0 });
    const res = await h.api(key, "POST", "/v1/uploads", {
      filename: "more.mp4",
      contentType: "video/mp4",
      bytes: 1000,
    });
    expect(res.status, res.text).toBe(429);
    expect(res.body.error).toMatchObject({
      code: "quota_exceeded",
      quota: { name: "dailySourceMinutes", limit: 0 },
    });
    expect(res.body.error.quota.usage).toBeCloseTo(2 / 60, 2);
    const retry = Number(res.headers.get("retry-after"));
    expect(retry).toBeGreaterThan(22 * 3600);
    expect(retry).toBeLessThanOrEqual(24 * 3600);
    expect(res.body.error.quota.retryAfterSeconds).toBe(retry);
  });

  it("rejects a source whose probed minutes push its owner over, and deletes its bytes", async () => {
    const key = await h.newKey("q-long");
    await setQuotas("q-long", { dailySourceMinutes: 1 });
    const long = await generateVideo({
      path: join(dir, "long.mp4"),
      seconds: 70,
      fps: 5,
      width: 160,
      height: 120,
      audio: false,
      preset: "ultrafast",
    });
    const id = await h.upload(key, long);
    const video = await h.waitForStatus(key, id, ["ready", "failed", "rejected"]);
    expect(video.status).toBe("rejected");
    expect(video.error.code).toBe("quota_exceeded");
    expect(video.source.url).toBeUndefined();
    // Taken back: the refused minutes do not count against the next upload.
    const usage = (await h.api(key, "GET", "/v1/usage")).body;
    expect(usage.quotas.find((q: { name: string }) => q.name === "dailySourceMinutes").usage).toBe(
      0,
    );
  });

  it("refuses an upload past the storage quota, without Retry-After, and counts what is stored", async () => {
    const key = await h.newKey("q-bytes");
    const id = await h.upload(key, clip);
    expect((await h.waitForStatus(key, id, ["ready", "failed"])).status).toBe("ready");
    // The step's cost is recorded as its invocation ends, just after `ready`.
    await h.runtime.idle();
    const usage = (await h.api(key, "GET", "/v1/usage")).body;
    const stored = usage.quotas.find((q: { name: string }) => q.name === "storageBytes").usage;
    expect(stored).toBeGreaterThan(0);
    expect(usage.days).toHaveLength(30);
    const today = usage.days.at(-1);
    expect(today).toMatchObject({ bytesStored: stored, sourceMinutes: expect.any(Number) });
    expect(today.processing.gbSeconds).toBeGreaterThan(0);
    const video = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
    expect(video.cost.steps.map((s: { step: string }) => s.step)).toContain("ingest");
    await setQuotas("q-bytes", { storageBytes: stored });
    const res = await h.api(key, "POST", "/v1/uploads", {
      filename: "more.mp4",
      contentType: "video/mp4",
      bytes: 1,
    });
    expect(res.status, res.text).toBe(429);
    expect(res.body.error.quota).toMatchObject({ name: "storageBytes", limit: stored });
    expect(res.headers.get("retry-after")).toBeNull();
    // Deleting frees it.
    expect((await h.api(key, "DELETE", `/v1/videos/${id}`)).status).toBe(204);
    const after = (await h.api(key, "GET", "/v1/usage")).body;
    expect(after.quotas.find((q: { name: string }) => q.name === "storageBytes").usage).toBe(0);
  });
});
