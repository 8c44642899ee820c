import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  canary,
  generateVideo,
  inspect,
  writeAviWithHlsPlaylist,
  writePlaylist,
  writeRandomBytes,
  writeTruncated,
} from "../support/media";
import { type Harness, startHarness } from "./harness";

// Uploads through the presigned POST into real s3rver, ingest through the real S3 event, real
// ffmpeg, real dynalite and fauxqs. Media stays tiny so the whole file runs in well under a minute.
let h: Harness;
let key: string;
let dir: string;

beforeAll(async () => {
  h = await startHarness({ env: { RUSHES_THUMBNAIL_WIDTHS: "300,640,1500,3000" } });
  dir = h.dir;
  key = await h.newKey("ingest");
});

afterAll(async () => {
  await h?.stop();
});

/** What is stored under the video's `prefixes` (its outputs by default). */
const outputsOf = async (id: string, prefixes = ["media"]) => {
  const { S3Client, ListObjectsV2Command } = await import("@aws-sdk/client-s3");
  const s3 = new S3Client({ forcePathStyle: true });
  const keys: string[] = [];
  for (const prefix of prefixes) {
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: "rushes-local-media", Prefix: `${prefix}/${id}/` }),
    );
    keys.push(...(listed.Contents ?? []).map((o) => o.Key!));
  }
  s3.destroy();
  return keys;
};

const download = async (url: string, name: string) => {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^(video\/mp4|image\/jpeg)$/);
  const path = join(dir, name);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  return path;
};

describe("good sources", () => {
  it.each([
    {
      name: "1080p with audio",
      width: 1920,
      height: 1080,
      audio: true,
      renditions: [
        [1280, 720],
        [854, 480],
      ],
      thumbs: [300, 640, 1500, 1920],
    },
    {
      name: "360p without audio",
      width: 640,
      height: 360,
      audio: false,
      renditions: [[640, 360]],
      thumbs: [300, 640],
    },
    {
      name: "portrait",
      width: 360,
      height: 640,
      audio: true,
      renditions: [[360, 640]],
      thumbs: [300, 360],
    },
  ])("$name becomes ready with the right renditions and thumbnails", async (c) => {
    const file = await generateVideo({
      path: join(dir, `${c.width}x${c.height}.mp4`),
      width: c.width,
      height: c.height,
      seconds: 1,
      fps: 10,
      audio: c.audio,
    });
    const id = await h.upload(key, file, { extra: { title: c.name } });
    const video = await h.waitForStatus(key, id, ["ready", "failed", "rejected"]);
    expect(video.status, JSON.stringify(video.error)).toBe("ready");
    expect(video.probe).toMatchObject({ width: c.width, height: c.height, videoCodec: "h264" });
    expect(
      video.renditions.map((r: { width: number; height: number }) => [r.width, r.height]),
    ).toEqual(c.renditions);
    expect(video.thumbnails.map((t: { width: number }) => t.width)).toEqual(c.thumbs);

    const top = await inspect(await download(video.renditions[0].url, `${id}-top.mp4`));
    expect(top.video).toMatchObject({
      codec: "h264",
      profile: "High",
      width: c.renditions[0]![0],
      height: c.renditions[0]![1],
    });
    expect(top.audio?.codec).toBe(c.audio ? "aac" : undefined);
    const thumb = await inspect(await download(video.thumbnails[0].url, `${id}-thumb.jpg`));
    expect(thumb.video?.width).toBe(c.thumbs[0]);

    const source = await fetch(video.source.url);
    expect(source.headers.get("content-disposition")).toContain(`${c.width}x${c.height}.mp4`);
    const history = (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data.map(
      (e: { type: string }) => e.type,
    );
    expect(history).toEqual(["created", "processing", "ready"]);
    expect(
      h.runtime.events.some((e) => e.type === "video.ready" && e.properties.videoId === id),
    ).toBe(true);
    // Listings carry a signed URL for the smallest thumbnail only.
    const listed = (await h.api(key, "GET", "/v1/videos?limit=50")).body.data.find(
      (v: { id: string }) => v.id === id,
    );
    const signed = listed.thumbnails.filter((t: { url?: string }) => t.url);
    expect(signed.map((t: { width: number }) => t.width)).toEqual([300]);
  });
});

describe("hostile and broken input", () => {
  it("rejects each poison file with a reason, writes no outputs, and keeps working", async () => {
    const good = await generateVideo({ path: join(dir, "good.mp4"), seconds: 1, fps: 10 });
    const trap = await canary(dir);
    // Each case pins the exact outcome: a crash (`failed`, `processing_error`) is not a rejection.
    const cases = [
      {
        name: "random bytes",
        file: await writeRandomBytes(join(dir, "random.mp4"), 64 * 1024),
        expected: { status: "rejected", code: "not_a_video" },
      },
      {
        name: "truncated mp4",
        file: await writeTruncated(good, join(dir, "truncated.mp4"), 0.3),
        expected: { status: "rejected", code: "undecodable" },
      },
      {
        name: "empty file",
        file: join(dir, "empty.mp4"),
        body: Buffer.alloc(0),
        declaredBytes: 10,
        expected: { status: "rejected", code: "empty" },
      },
      {
        name: "more bytes than declared",
        file: good,
        declaredBytes: 100,
        expected: { status: "rejected", code: "too_large" },
      },
      {
        name: "text playlist",
        file: await writePlaylist(join(dir, "list.mp4"), trap.path),
        // ffmpeg 4.x finds no format in it; 5.1 and later recognise HLS, which the allow-list
        // refuses. Either way it is rejected without following the playlist (the canary below).
        expected: {
          status: "rejected",
          code: expect.stringMatching(/^(not_a_video|unsupported_format)$/),
        },
      },
      {
        name: "avi with an hls playlist",
        file: await writeAviWithHlsPlaylist(join(dir, "attack.avi"), trap.path),
        contentType: "video/x-msvideo",
        // The AVI demuxer finds no stream it may open: the embedded playlist is never followed.
        expected: { status: "rejected", code: "no_video_stream" },
      },
      {
        name: "another content type than signed",
        file: good,
        postedAs: "video/quicktime",
        expected: { status: "rejected", code: "content_type_mismatch" },
      },
    ];
    const outcomes: Record<string, { status: string; code: string }> = {};
    for (const c of cases) {
      const id = await h.upload(key, c.file, {
        ...(c.body ? { body: c.body } : {}),
        ...(c.declaredBytes ? { declaredBytes: c.declaredBytes } : {}),
        ...(c.contentType ? { contentType: c.contentType } : {}),
        ...(c.postedAs ? { postedContentType: c.postedAs } : {}),
      });
      const video = await h.waitForStatus(key, id, ["ready", "failed", "rejected"]);
      outcomes[c.name] = { status: video.status, code: video.error?.code };
      expect(typeof video.error?.message, c.name).toBe("string");
      // Nothing of a rejected input stays downloadable: only the record and its reason.
      expect(await outputsOf(id, ["uploads", "sources", "media"]), c.name).toEqual([]);
      const shown = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
      expect(shown.source.url, c.name).toBeUndefined();
    }
    expect(outcomes).toEqual(Object.fromEntries(cases.map((c) => [c.name, c.expected])));
    expect((await trap.release()).opened, "ffmpeg opened the canary file").toBe(false);
    const after = await h.upload(key, good);
    expect((await h.waitForStatus(key, after, ["ready", "failed", "rejected"])).status).toBe(
      "ready",
    );
  });
});

describe("at-least-once delivery", () => {
  const s3Event = (id: string) => ({
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "us-east-1",
        eventTime: new Date().toISOString(),
        eventName: "ObjectCreated:Post",
        s3: {
          bucket: { name: "rushes-local-media", arn: "arn:aws:s3:::rushes-local-media" },
          object: { key: `uploads/${id}/source`, size: 1 },
        },
      },
    ],
  });

  it("transcodes once for duplicate events in parallel and in sequence", async () => {
    const { handler } = await import("@rushes/functions/ingest");
    const file = await generateVideo({ path: join(dir, "dup.mp4"), seconds: 1, fps: 10 });
    const id = await h.upload(key, file);
    // The runtime delivers the real event; two duplicates race it.
    await Promise.all([handler(s3Event(id) as never), handler(s3Event(id) as never)]);
    await h.waitForStatus(key, id, ["ready"]);
    await handler(s3Event(id) as never);
    await handler({ Event: "s3:TestEvent" } as never);
    const history = (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data.map(
      (e: { type: string }) => e.type,
    );
    expect(history.filter((t: string) => t === "processing")).toHaveLength(1);
    expect(history.filter((t: string) => t === "ready")).toHaveLength(1);
    await h.runtime.idle();
    expect(
      h.runtime.events.filter((e) => e.type === "video.ready" && e.properties.videoId === id),
    ).toHaveLength(1);
  });
});
