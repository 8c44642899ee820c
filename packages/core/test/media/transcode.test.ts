import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { Resource } from "sst";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  averageLuma,
  generateVideo,
  inspect,
  mp4Boxes,
  type VideoOptions,
} from "../../../../test/support/media";
import { Aws } from "../../src/aws";
import { Config } from "../../src/config";
import { Plan, Probe, type TranscodeOutcome, transcoder, withWorkDir } from "../../src/media";
import { startS3 } from "./s3";

// Real ffmpeg into a real s3rver: every output is downloaded again and checked with ffprobe.
const bucket = Resource.Media.name;
const widths = [300, 640, 1500, 3000];
let s3: Awaited<ReturnType<typeof startS3>>;

beforeAll(async () => {
  s3 = await startS3(bucket);
});
afterAll(() => s3?.stop());

async function download(key: string, path: string) {
  const object = await (await Aws.s3()).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await writeFile(path, await object.Body!.transformToByteArray());
  return { path, contentType: object.ContentType };
}

async function transcode(videoId: string, source: Omit<VideoOptions, "path">) {
  return withWorkDir(async (dir) => {
    const sourcePath = await generateVideo({ path: join(dir, "source.mp4"), ...source });
    const probe = await Probe.file(sourcePath);
    const plan = Plan.forVideo(videoId, probe, widths);
    const work = join(dir, "work");
    await mkdir(work);
    const outcome = await transcoder().transcode({
      videoId,
      bucket,
      sourceKey: `uploads/${videoId}/source`,
      sourcePath,
      workDir: work,
      probe,
      plan,
    });
    expect(outcome.kind).toBe("complete");
    const complete = outcome as Extract<TranscodeOutcome, { kind: "complete" }>;
    const renditions = [];
    for (const r of complete.renditions) {
      const file = await download(r.key, join(dir, `${r.name}.check.mp4`));
      expect(file.contentType).toBe("video/mp4");
      expect((await stat(file.path)).size).toBe(r.bytes);
      renditions.push({ ...r, info: await inspect(file.path), boxes: await mp4Boxes(file.path) });
    }
    const thumbnails = [];
    for (const t of complete.thumbnails) {
      const file = await download(t.key, join(dir, `${t.width}.check.jpg`));
      expect(file.contentType).toBe("image/jpeg");
      thumbnails.push({ ...t, info: await inspect(file.path), luma: await averageLuma(file.path) });
    }
    return { renditions, thumbnails, sourceLuma: await averageLuma(sourcePath) };
  });
}

const size = (r: { info: { video?: { width: number; height: number } } }) =>
  `${r.info.video?.width}x${r.info.video?.height}`;

function expectWebRendition(
  r: Awaited<ReturnType<typeof transcode>>["renditions"][number],
  audio: boolean,
) {
  expect(r.info.video).toMatchObject({ codec: "h264", profile: "High", pixFmt: "yuv420p" });
  expect(r.info.audio?.codec).toBe(audio ? "aac" : undefined);
  // faststart: the index comes before the media data, so playback starts at once.
  expect(r.boxes.indexOf("moov")).toBeGreaterThan(-1);
  expect(r.boxes.indexOf("moov")).toBeLessThan(r.boxes.indexOf("mdat"));
}

describe("ffmpeg transcoder", () => {
  it("turns 1080p with audio into 720p and 480p plus four thumbnails", async () => {
    const out = await transcode("vid_1080", { width: 1920, height: 1080, seconds: 1, fps: 5 });
    expect(out.renditions.map((r) => [r.name, size(r), r.key])).toEqual([
      ["720p", "1280x720", "media/vid_1080/720p.mp4"],
      ["480p", "854x480", "media/vid_1080/480p.mp4"],
    ]);
    for (const r of out.renditions) expectWebRendition(r, true);
    expect(out.thumbnails.map((t) => [size(t), t.key])).toEqual([
      ["300x169", "media/vid_1080/thumbnails/300.jpg"],
      ["640x360", "media/vid_1080/thumbnails/640.jpg"],
      ["1500x844", "media/vid_1080/thumbnails/1500.jpg"],
      ["1920x1080", "media/vid_1080/thumbnails/1920.jpg"],
    ]);
    for (const t of out.thumbnails) expect(t.info.video?.codec).toBe("mjpeg");
  });

  it("keeps a silent 720p source silent", async () => {
    const out = await transcode("vid_720", {
      width: 1280,
      height: 720,
      seconds: 1,
      fps: 5,
      audio: false,
    });
    expect(out.renditions.map((r) => `${r.name} ${size(r)}`)).toEqual([
      "720p 1280x720",
      "480p 854x480",
    ]);
    for (const r of out.renditions) expectWebRendition(r, false);
    expect(out.thumbnails.map(size)).toEqual(["300x169", "640x360", "1280x720"]);
  });

  it("never upscales a 360p source", async () => {
    const out = await transcode("vid_360", { width: 640, height: 360, seconds: 1, fps: 10 });
    expect(out.renditions.map((r) => `${r.name} ${size(r)}`)).toEqual(["360p 640x360"]);
    expectWebRendition(out.renditions[0]!, true);
    expect(out.thumbnails.map(size)).toEqual(["300x169", "640x360"]);
  });

  it("turns rotated phone video upright, capping its short side", async () => {
    const out = await transcode("vid_phone", {
      width: 1280,
      height: 720,
      rotate: 90,
      seconds: 1,
      fps: 5,
    });
    expect(out.renditions.map((r) => `${r.name} ${size(r)}`)).toEqual([
      "720p 720x1280",
      "480p 480x854",
    ]);
    for (const r of out.renditions) {
      expectWebRendition(r, true);
      expect(r.info.rotation ?? 0).toBe(0);
    }
    expect(out.thumbnails.map(size)).toEqual(["300x533", "640x1138", "720x1280"]);
  });

  it("handles native portrait without audio below every rung", async () => {
    const out = await transcode("vid_tall", {
      width: 360,
      height: 640,
      seconds: 1,
      fps: 10,
      audio: false,
    });
    expect(out.renditions.map((r) => `${r.name} ${size(r)}`)).toEqual(["360p 360x640"]);
    expectWebRendition(out.renditions[0]!, false);
    expect(out.thumbnails.map(size)).toEqual(["300x533", "360x640"]);
  });

  it("takes thumbnails past a fade from black", async () => {
    const out = await transcode("vid_fade", {
      seconds: 4,
      fps: 10,
      fadeInSeconds: 1,
      audio: false,
    });
    expect(out.sourceLuma).toBeLessThan(20);
    for (const t of out.thumbnails) expect(t.luma).toBeGreaterThan(60);
  });
});

describe("work dirs and adapter choice", () => {
  it("removes the work dir after success and after a failure", async () => {
    let kept = "";
    await withWorkDir(async (dir) => {
      kept = dir;
      await writeFile(join(dir, "x"), "x");
    });
    await expect(stat(kept)).rejects.toThrow();
    await expect(
      withWorkDir(async (dir) => {
        kept = dir;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    await expect(readdir(kept)).rejects.toThrow();
  });

  it("picks the adapter from RUSHES_TRANSCODER", () => {
    expect(transcoder().kind).toBe("ffmpeg");
    process.env.RUSHES_TRANSCODER = "mediaconvert";
    Config.reset();
    try {
      expect(transcoder().kind).toBe("mediaconvert");
    } finally {
      delete process.env.RUSHES_TRANSCODER;
      Config.reset();
    }
  });
});
