import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, apiClient, walkPages } from "../../../test/support/api";
import { waitUntil } from "../../../test/support/wait";
import { type Runtime, type RuntimeOptions, startRuntime } from "../src/runtime";
import { tempDir } from "./helpers";

// The foundation end to end over the real handlers: presign, a real multipart POST of a
// generated MP4 to s3rver, the ObjectCreated event through ingest (real ffprobe/ffmpeg),
// listing across pages, owner isolation, and a restart that keeps it all.
let runtime: Runtime;
let options: RuntimeOptions;
let data: Awaited<ReturnType<typeof tempDir>>;
let mp4: Uint8Array<ArrayBuffer>;
let alice: string;
let bob: string;

const api: Api = apiClient(() => runtime.apiUrl);

const presign = (
  key: string,
  filename: string,
  bytes: number,
  extra: Record<string, unknown> = {},
) => api(key, "POST", "/v1/uploads", { filename, contentType: "video/mp4", bytes, ...extra });

beforeAll(async () => {
  data = await tempDir();
  options = {
    dataDir: data.dir,
    port: 0,
    quiet: true,
    env: { RUSHES_THUMBNAIL_WIDTHS: "300,640" },
  };
  runtime = await startRuntime(options);

  // Generated after the runtime set the environment: core's settings are read once.
  const { Ffmpeg } = await import("@rushes/core/media");
  const file = join(data.dir, "input.mp4");
  await Ffmpeg.run("ffmpeg", [
    ...["-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=1"],
    ...["-f", "lavfi", "-i", "sine=frequency=440:duration=1"],
    ...[
      "-c:v",
      "libx264",
      "-preset",
      "ultrafast",
      "-pix_fmt",
      "yuv420p",
      "-c:a",
      "aac",
      "-shortest",
    ],
    ...["-movflags", "+faststart", "-y", file],
  ]);
  mp4 = new Uint8Array(await readFile(file));

  const created = await Promise.all(
    ["alice", "bob"].map((owner) => api(runtime.devKey, "POST", "/v1/keys", { owner })),
  );
  for (const res of created) expect(res.status, res.text).toBe(201);
  [alice, bob] = created.map((res) => res.body.key as string) as [string, string];
});

afterAll(async () => {
  await runtime?.stop();
  await data?.remove();
});

describe("foundation, end to end", () => {
  let videoId: string;

  it("uploads through the presigned POST, and the ObjectCreated event reaches ingest", async () => {
    const presigned = await presign(alice, "tiny clip.mp4", mp4.byteLength, { title: "tiny" });
    expect(presigned.status, presigned.text).toBe(201);
    const { video, upload } = presigned.body;
    videoId = video.id;
    expect(video.status).toBe("awaiting_upload");
    expect(upload.method).toBe("POST");

    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields as Record<string, string>))
      form.append(name, value);
    form.append("file", new Blob([mp4], { type: "video/mp4" }), "tiny clip.mp4");
    const posted = await fetch(upload.url, { method: "POST", body: form });
    expect(posted.status, await posted.text()).toBeLessThan(300);

    // Ingest leases the video (awaiting_upload to processing), carries it to an outcome and
    // announces that on the topic.
    const done = await waitUntil(
      "ingest to finish",
      async () => {
        const got = await api(alice, "GET", `/v1/videos/${videoId}`);
        return ["ready", "failed", "rejected"].includes(got.body.status) && got.body;
      },
      { timeoutMs: 90_000 },
    );
    const history = (await api(alice, "GET", `/v1/videos/${videoId}/events`)).body.data as Array<{
      type: string;
    }>;
    expect(history.map((e) => e.type)).toEqual(
      expect.arrayContaining(["created", "processing", done.status]),
    );
    const announced = await runtime.waitFor((e) => e.properties.videoId === videoId, 10_000);
    expect(announced.type).toBe(`video.${done.status}`);
  });

  it("ends ready, with renditions and thumbnails served by presigned GETs", async () => {
    const video = (await api(alice, "GET", `/v1/videos/${videoId}`)).body;
    expect(video.status, JSON.stringify(video.error)).toBe("ready");
    expect(video.probe).toMatchObject({ width: 320, height: 180 });
    expect(video.renditions.length).toBeGreaterThan(0);
    expect(video.thumbnails.length).toBeGreaterThan(0);
    const rendition = await fetch(video.renditions[0].url);
    expect(rendition.status).toBe(200);
    expect((await rendition.arrayBuffer()).byteLength).toBe(video.renditions[0].bytes);
    const thumbnail = await fetch(video.thumbnails[0].url);
    expect(thumbnail.status).toBe(200);
    expect([...new Uint8Array(await thumbnail.arrayBuffer()).slice(0, 2)]).toEqual([0xff, 0xd8]);
  });

  it("lists across pages with an opaque cursor, newest first", async () => {
    const more = [];
    for (const name of ["b.mp4", "c.mp4", "d.mp4"])
      more.push((await presign(alice, name, 1000)).body.video.id);
    const { ids: seen, pages } = await walkPages(api, alice, "/v1/videos?limit=2");
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual([...more.reverse(), videoId]);
  });

  it("keeps owners apart: another owner's id is a 404 and never listed", async () => {
    const other = await api(bob, "GET", `/v1/videos/${videoId}`);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBeTruthy();
    const missing = await api(bob, "GET", "/v1/videos/vid_01jzzzzzzzzzzzzzzzzzzzzzzz");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe(other.body.error.code);
    expect((await api(bob, "GET", "/v1/videos")).body.data).toEqual([]);
    expect((await api(bob, "DELETE", `/v1/videos/${videoId}`)).status).toBe(404);
  });

  it("keeps videos, uploaded objects and keys across a restart", async () => {
    const before = (await api(alice, "GET", "/v1/videos?limit=50")).body.data;
    const { ports } = runtime;
    await runtime.stop();
    runtime = await startRuntime({ ...options, port: ports.http, ports });

    const after = await api(alice, "GET", "/v1/videos?limit=50");
    expect(after.status).toBe(200);
    expect(after.body.data.map((v: { id: string }) => v.id)).toEqual(
      before.map((v: { id: string }) => v.id),
    );
    // The uploaded bytes, back through a presigned GET from the restarted S3 stand-in.
    const video = (await api(alice, "GET", `/v1/videos/${videoId}`)).body;
    expect(video.source.url).toBeTruthy();
    const download = await fetch(video.source.url);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(mp4);
    await waitUntil(
      "bob's key to still work",
      async () => (await api(bob, "GET", "/v1/videos")).status === 200,
    );
  });
});
