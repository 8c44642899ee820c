import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateVideo,
  writeEmpty,
  writeRandomBytes,
  writeTruncated,
} from "../../../../test/support/media";
import { MediaError, Probe } from "../../src/media";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rushes-probe-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function rejection(path: string, opts?: Probe.Options) {
  const error = await Probe.file(path, opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe("Probe.file", () => {
  it("reads an MP4 with audio", async () => {
    const path = await generateVideo({ path: join(dir, "a.mp4"), seconds: 2, fps: 25 });
    expect(await Probe.file(path)).toEqual({
      durationMs: expect.closeTo(2000, -2),
      width: 320,
      height: 180,
      videoCodec: "h264",
      audioCodec: "aac",
      fps: 25,
      formatName: "mov,mp4,m4a,3gp,3g2,mj2",
    });
  });

  it("reads Matroska and MPEG-TS without audio", async () => {
    const mkv = await generateVideo({ path: join(dir, "b.mkv"), audio: false, seconds: 1 });
    expect(await Probe.file(mkv)).toMatchObject({ formatName: "matroska,webm", width: 320 });
    expect((await Probe.file(mkv)).audioCodec).toBeUndefined();
    const ts = await generateVideo({ path: join(dir, "c.ts"), audio: false, seconds: 1 });
    expect(await Probe.file(ts)).toMatchObject({ formatName: "mpegts", height: 180 });
  });

  it("measures video whose container carries no duration (live-recorded Matroska)", async () => {
    const path = await generateVideo({ path: join(dir, "live.mkv"), live: true, audio: false });
    const info = await Probe.file(path);
    // Measured by demuxing to the last packet: close, not exact (B-frames end out of order).
    expect(info.durationMs).toBeGreaterThanOrEqual(1850);
    expect(info.durationMs).toBeLessThanOrEqual(2100);
    await expect(Probe.file(path, { maxDurationSeconds: 1 })).rejects.toMatchObject({
      code: "too_long",
    });
  });

  it("reports display size for rotated (portrait phone) video", async () => {
    const path = await generateVideo({ path: join(dir, "rot.mp4"), rotate: 90, seconds: 1 });
    expect(await Probe.file(path)).toMatchObject({ width: 180, height: 320, rotation: 90 });
  });

  it("rejects video over the duration cap as too_long, permanently", async () => {
    const path = await generateVideo({ path: join(dir, "long.mp4"), seconds: 2, audio: false });
    const error = await rejection(path, { maxDurationSeconds: 1 });
    expect(error).toMatchObject({ code: "too_long", permanent: true });
  });
});

describe("Probe.file on poison", () => {
  it("rejects an empty file, random bytes and audio-only files", async () => {
    expect(await rejection(await writeEmpty(join(dir, "empty")))).toMatchObject({
      code: "not_a_video",
      permanent: true,
    });
    expect(await rejection(await writeRandomBytes(join(dir, "random")))).toMatchObject({
      code: "not_a_video",
      permanent: true,
    });
    const audioOnly = join(dir, "audio.m4a");
    await generateVideo({ path: join(dir, "with-audio.mp4"), seconds: 1 });
    const { Ffmpeg } = await import("../../src/media");
    await Ffmpeg.run("ffmpeg", [
      "-v",
      "error",
      "-i",
      join(dir, "with-audio.mp4"),
      "-vn",
      "-c",
      "copy",
      audioOnly,
    ]);
    expect(await rejection(audioOnly)).toMatchObject({ code: "no_video_stream", permanent: true });
  });

  it("rejects a still image: its demuxer is not on the allow-list", async () => {
    const { Ffmpeg } = await import("../../src/media");
    const png = join(dir, "still.png");
    await Ffmpeg.run("ffmpeg", [
      "-v",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=s=64x64:d=1",
      "-frames:v",
      "1",
      png,
    ]);
    expect(await rejection(png)).toMatchObject({ code: "unsupported_format", permanent: true });
  });

  it("rejects a truncated MP4, whether its index was lost or its media data", async () => {
    const tail = await generateVideo({ path: join(dir, "tail.mp4"), faststart: false, seconds: 2 });
    const noIndex = await writeTruncated(tail, join(dir, "no-index.mp4"), 0.5);
    expect(await rejection(noIndex)).toMatchObject({ code: "not_a_video", permanent: true });

    const head = await generateVideo({ path: join(dir, "head.mp4"), faststart: true, seconds: 2 });
    const noData = await writeTruncated(head, join(dir, "no-data.mp4"), 0.5);
    expect(await rejection(noData)).toMatchObject({ code: "undecodable", permanent: true });
  });
});
