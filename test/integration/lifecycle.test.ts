import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { generateVideo } from "../support/media";
import { type Harness, postToPresigned, startHarness, waitUntil } from "./harness";

// The lifecycle's outbox under crashes, the sweep finishing what a crash left, and nothing
// orphaned: no source swap after processing, nothing left behind by a delete during processing.
let h: Harness;
let dir: string;
let key: string;
let s3: S3Client;

beforeAll(async () => {
  h = await startHarness({
    // The timer stays out of the way: each test runs the sweep itself when it means to.
    env: { RUSHES_THUMBNAIL_WIDTHS: "300", RUSHES_SWEEP_INTERVAL_SECONDS: "3600" },
  });
  dir = h.dir;
  key = await h.newKey("life");
  s3 = new S3Client({ forcePathStyle: true });
});

afterEach(async () => {
  const { Lifecycle } = await import("@rushes/core/lifecycle");
  Lifecycle.injectFault(undefined);
});

afterAll(async () => {
  s3?.destroy();
  await h?.stop();
});

const small = (name: string, seconds = 1) =>
  generateVideo({ path: join(dir, `${name}.mp4`), width: 320, height: 240, seconds, fps: 10 });

/** Presigns and posts, keeping the presign so a test can post to it again. */
async function presignAndPost(file: string) {
  const bytes = await readFile(file);
  const created = await h.api(key, "POST", "/v1/uploads", {
    filename: "a.mp4",
    contentType: "video/mp4",
    bytes: bytes.length,
  });
  expect(created.status).toBe(201);
  expect((await postToPresigned(created.body.upload, bytes)).status).toBe(204);
  return { id: created.body.video.id as string, upload: created.body.upload };
}

async function objectsOf(videoId: string) {
  const keys: string[] = [];
  for (const prefix of [`uploads/${videoId}/`, `sources/${videoId}/`, `media/${videoId}/`]) {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: h.runtime.resources.bucket, Prefix: prefix }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
  }
  return keys;
}

const history = async (id: string) =>
  (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data as { id: string; type: string }[];

/** Runs one sweep pass as if `aheadMs` had passed (so the outbox's quiet window is over). */
async function sweep(aheadMs = 60_000) {
  const { Sweep } = await import("@rushes/core/sweep");
  const redriven: string[] = [];
  const report = await Sweep.run(
    { video: async (id) => void redriven.push(id), clip: async () => {} },
    { now: Date.now() + aheadMs },
  );
  return { ...report, redrivenTo: redriven };
}

describe("the outbox: a crash after each write still publishes the event, once per id", () => {
  it.each(["status", "history", "publish"] as const)(
    "a crash right after the %s write",
    async (point) => {
      const { Lifecycle } = await import("@rushes/core/lifecycle");
      let crashed: { id: string; eventId: string } | undefined;
      Lifecycle.injectFault((at, { id, entry }) => {
        if (at !== point || entry.type !== "ready" || crashed) return;
        crashed = { id, eventId: entry.eventId };
        throw new Error(`injected crash after the ${point} write`);
      });
      const { id } = await presignAndPost(await small(`fault-${point}`));
      await h.waitForStatus(key, id, ["ready"]);
      await h.runtime.idle();
      expect(crashed?.id).toBe(id);
      const eventId = crashed!.eventId;

      const sent = () => h.runtime.events.filter((e) => e.id === eventId);
      const before = await Lifecycle.video.load(id);
      // The status is durable, and its entry waits on the record for the sweep.
      expect(before!.status).toBe("ready");
      expect(before!.outbox?.map((e) => e.eventId)).toEqual([eventId]);
      if (point === "status") {
        expect((await history(id)).some((e) => e.type === "ready")).toBe(false);
      }
      if (point !== "publish") expect(sent()).toHaveLength(0);

      const report = await sweep();
      expect(report.published).toBeGreaterThanOrEqual(1);
      const event = await h.runtime.waitFor((e) => e.id === eventId, 10_000);
      expect(event.type).toBe("video.ready");
      expect(event.properties).toMatchObject({ videoId: id, status: "ready" });
      await h.runtime.idle();
      // At least once, always under the one id: a consumer that dedupes by id sees it once.
      expect(sent().length).toBeGreaterThanOrEqual(1);
      expect(new Set(sent().map((e) => JSON.stringify(e))).size).toBe(1);
      const lines = (await history(id)).filter((e) => e.type === "ready");
      expect(lines.map((e) => e.id)).toEqual([eventId]);

      const after = await Lifecycle.video.load(id);
      expect(after!.outbox ?? []).toEqual([]);
      expect(after!.dueAt).toBeUndefined();
      // A second pass finds nothing left to send.
      expect((await sweep()).published).toBe(0);
    },
    120_000,
  );
});

describe("nothing orphaned, no source swap", () => {
  it("ignores a re-post to a ready video's presign: same source, same video", async () => {
    const { id, upload } = await presignAndPost(await small("original"));
    await h.waitForStatus(key, id, ["ready"]);
    // Once ingest has finished (its outbox flushed), the record must not change again.
    await h.runtime.idle();
    const ready = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
    expect(ready.source.key).toBe(`sources/${id}/source`);
    const digest = async () => {
      const info = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
      const bytes = Buffer.from(await (await fetch(info.source.url)).arrayBuffer());
      return createHash("sha256").update(bytes).digest("hex");
    };
    const original = createHash("sha256")
      .update(await readFile(join(dir, "original.mp4")))
      .digest("hex");
    expect(await digest()).toBe(original);

    const other = await readFile(await small("swap", 2));
    expect((await postToPresigned(upload, other)).status).toBe(204);
    await h.runtime.idle();
    const after = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
    // Presigned URLs are signed per request; everything else must be exactly as it was.
    type Info = {
      source: { key: string };
      renditions: object[];
      thumbnails: object[];
      audio?: { download?: { url?: string } };
    };
    const unsigned = (v: Info) => ({
      ...v,
      source: v.source.key,
      renditions: v.renditions.map(({ url, ...r }: { url?: string }) => r),
      thumbnails: v.thumbnails.map(({ url, ...t }: { url?: string }) => t),
      audio: v.audio && {
        ...v.audio,
        download: v.audio.download && { ...v.audio.download, url: undefined },
      },
    });
    expect(unsigned(after)).toEqual(unsigned(ready));
    expect(await digest()).toBe(original);
    // The re-posted object was refused: deleted, not left under uploads/.
    expect((await objectsOf(id)).filter((k) => k.startsWith("uploads/"))).toEqual([]);
  }, 120_000);

  it("leaves no object behind when a video is deleted during processing", async () => {
    const file = await generateVideo({
      path: join(dir, "long.mp4"),
      width: 1280,
      height: 720,
      seconds: 8,
      fps: 25,
    });
    const { id } = await presignAndPost(file);
    // Delete once the transcode has stored output, and while the video is still processing.
    await h.waitForOutput(id);
    expect((await h.api(key, "GET", `/v1/videos/${id}`)).body.status).toBe("processing");
    expect((await h.api(key, "DELETE", `/v1/videos/${id}`)).status).toBe(204);
    // The worker finishes its transcode, finds the record gone, and removes what it wrote.
    await h.runtime.idle(120_000);
    // It was deleted mid-run: the worker never got as far as publishing the video ready.
    const ready = h.runtime.events.filter(
      (e) => e.type === "video.ready" && e.properties.videoId === id,
    );
    expect(ready).toEqual([]);
    expect(await objectsOf(id)).toEqual([]);
    expect((await h.api(key, "GET", `/v1/videos/${id}`)).status).toBe(404);
    const { Dynamo } = await import("@rushes/core/dynamo");
    const { data } = await Dynamo.entities.videoEvent.query.byId({ videoId: id }).go();
    expect(data).toEqual([]);
  }, 180_000);

  it("deletes an upload for a video that no longer exists", async () => {
    const bytes = await readFile(await small("orphan"));
    const created = await h.api(key, "POST", "/v1/uploads", {
      filename: "a.mp4",
      contentType: "video/mp4",
      bytes: bytes.length,
    });
    const id = created.body.video.id as string;
    expect((await h.api(key, "DELETE", `/v1/videos/${id}`)).status).toBe(204);
    expect((await postToPresigned(created.body.upload, bytes)).status).toBe(204);
    await h.runtime.idle();
    await waitUntil(
      () => `objects left for deleted ${id}`,
      async () => ((await objectsOf(id)).length === 0 ? true : undefined),
      { timeoutMs: 10_000 },
    );
  }, 60_000);
});

describe("the sweep", () => {
  it("settles an upload never made as expired; reads show it expired before that, without writing", async () => {
    const created = await h.api(key, "POST", "/v1/uploads", {
      filename: "never.mp4",
      contentType: "video/mp4",
      bytes: 1000,
    });
    const id = created.body.video.id as string;
    const { Lifecycle } = await import("@rushes/core/lifecycle");
    const { Video } = await import("@rushes/core/video");
    const stored = (await Lifecycle.video.load(id))!;
    const later = stored.uploadExpiresAt + Lifecycle.uploadGraceMs() + 1;
    // A read past the expiry reports `expired` and leaves the record as it was.
    expect(Video.serialize(stored, later).status).toBe("expired");
    expect(Video.serialize(stored, stored.uploadExpiresAt).status).toBe("awaiting_upload");
    expect((await Lifecycle.video.load(id))!.status).toBe("awaiting_upload");

    // Not due yet: the sweep leaves it alone.
    expect((await sweep(0)).expired).not.toContain(id);
    const { expired } = await sweep(later - Date.now() + 1000);
    expect(expired).toContain(id);
    const settled = (await Lifecycle.video.load(id))!;
    expect(settled.status).toBe("expired");
    expect(settled.dueAt).toBeUndefined();
    expect((await history(id)).map((e) => e.type)).toEqual(["created", "expired"]);
  });

  it("re-drives a processing lease that ran out, and fails it once attempts are exhausted", async () => {
    const { Lifecycle } = await import("@rushes/core/lifecycle");
    const { VideoMoves } = await import("@rushes/core/video/moves");
    const { Dynamo } = await import("@rushes/core/dynamo");
    const created = await h.api(key, "POST", "/v1/uploads", {
      filename: "dead.mp4",
      contentType: "video/mp4",
      bytes: 1000,
    });
    const id = created.body.video.id as string;
    const video = (await Lifecycle.video.load(id))!;
    // A worker took the lease and died (no upload needed: the lease is what the sweep reads).
    const leased = await Lifecycle.move(Lifecycle.video, video, VideoMoves.start);
    expect(leased?.dueAt).toBeGreaterThan(Date.now());
    expect((await sweep(0)).redrivenTo).not.toContain(id);
    const lease = 15 * 60 * 1000;
    expect((await sweep(lease + 1000)).redrivenTo).toContain(id);

    // Attempts exhausted: the re-drive ends it as failed, with the reason.
    await Dynamo.entities.video
      .patch({ videoId: id })
      .set({ attempts: 3 })
      .composite({ owner: video.owner })
      .go();
    const { Ingest } = await import("@rushes/core/video/ingest");
    expect(await Ingest.run(id, Date.now() + lease + 1000)).toBe("failed");
    const failed = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
    expect(failed.status).toBe("failed");
    expect(failed.error.code).toBe("attempts_exhausted");
  });
});
