import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { framePsnr, generateVideo, inspect, videoFrames } from "../../../../test/support/media";
import { Cut, MediaError, Probe } from "../../src/media";

// Two consecutive 3 s recordings at 25 fps with 1 s GOPs and B-frames, like a camera's footage.
const fps = 25;
const frame = 1000 / fps;
const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);
let dir: string;
let a: Cut.Recording;
let b: Cut.Recording;
let wide: Cut.Recording;

async function recording(name: string, recordedAt: number, width = 320, height = 180) {
  const path = await generateVideo({
    path: join(dir, name),
    width,
    height,
    seconds: 3,
    fps,
    gopSeconds: 1,
  });
  const { durationMs } = await Probe.file(path);
  return { path, recordedAt, durationMs, width, height };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rushes-cut-"));
  a = await recording("a.mp4", t0);
  b = await recording("b.mp4", t0 + a.durationMs);
  wide = await recording("wide.mp4", t0 + a.durationMs, 640, 360);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function cut(
  recordings: Cut.Recording[],
  startAt: number,
  endAt: number,
  accuracy: "exact" | "fast",
) {
  const workDir = await mkdtemp(join(dir, `work-${accuracy}-`));
  return Cut.clip({ recordings, startAt, endAt, accuracy, workDir, thumbnailWidths: [300, 640] });
}

describe("Cut.clip", () => {
  // 1.72 s into A (between keyframes) to 1.5 s into B: 2.78 s across the junction.
  const startAt = t0 + 1720;
  const endAt = t0 + 3000 + 1500;

  it("cuts exactly across the junction of two recordings, to the frame", async () => {
    const clip = await cut([b, a], startAt, endAt, "exact");
    const info = await inspect(clip.path);
    expect(Math.abs(info.durationMs - (endAt - startAt))).toBeLessThanOrEqual(frame);
    expect(Math.abs(clip.durationMs - (endAt - startAt))).toBeLessThanOrEqual(frame);
    expect(info.video).toMatchObject({ codec: "h264", width: 320, height: 180 });
    expect(info.audio?.codec).toBe("aac");
    expect(clip).toMatchObject({ width: 320, height: 180, bytes: info.bytes });

    // The first frame is A's frame at 1.72 s (#43), not the keyframe before it, and the frame
    // 1.28 s in is B's first frame: each matches its source better than the neighbours do.
    const first = await Promise.all([42, 43, 44].map((n) => framePsnr(clip.path, 0, a.path, n)));
    expect(first[1]).toBeGreaterThan(Math.max(first[0]!, first[2]!));
    const joint = await Promise.all([0, 1].map((n) => framePsnr(clip.path, 32, b.path, n)));
    const before = await framePsnr(clip.path, 32, a.path, 74);
    expect(joint[0]).toBeGreaterThan(Math.max(joint[1]!, before));

    expect(clip.thumbnails.map((t) => [t.width, t.height])).toEqual([
      [300, 169],
      [320, 180],
    ]);
    for (const t of clip.thumbnails) {
      expect((await inspect(t.path)).video).toMatchObject({ codec: "mjpeg", width: t.width });
    }
  });

  it("cuts fast by stream copy, starting at most one GOP early", async () => {
    const clip = await cut([a, b], startAt, endAt, "fast");
    const wanted = endAt - startAt;
    const { durationMs, video } = await inspect(clip.path);
    expect(durationMs).toBeGreaterThanOrEqual(wanted - frame);
    expect(durationMs).toBeLessThanOrEqual(wanted + 1000 + frame);
    expect(video).toMatchObject({ codec: "h264", width: 320, height: 180 });
    // Stream copy keeps the source's keyframe cadence, and the clip opens on one.
    const { keyframes } = await videoFrames(clip.path);
    expect(keyframes[0]).toBeCloseTo((await videoFrames(clip.path)).all[0]!, 3);
    expect(clip.thumbnails).toHaveLength(2);
  });

  it("scales a recording of another size to the first one's, even when asked for fast", async () => {
    for (const accuracy of ["exact", "fast"] as const) {
      const clip = await cut([a, wide], startAt, endAt, accuracy);
      const info = await inspect(clip.path);
      expect(info.video).toMatchObject({ width: 320, height: 180 });
      expect(Math.abs(info.durationMs - (endAt - startAt))).toBeLessThanOrEqual(frame);
    }
  });

  it("refuses a window the recordings do not cover, and cleans nothing it did not make", async () => {
    const workDir = await mkdtemp(join(dir, "work-gap-"));
    // Things the cutter did not make: a file already in its work dir, and the recordings.
    await writeFile(join(workDir, "theirs.txt"), "keep me");
    const late = { ...b, recordedAt: b.recordedAt + 1500 };
    const error = await Cut.clip({
      recordings: [a, late],
      startAt,
      endAt,
      accuracy: "exact",
      workDir,
      thumbnailWidths: [300],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ code: "not_covered", permanent: false });
    expect(await readdir(workDir)).toEqual(["theirs.txt"]);
    expect(await readFile(join(workDir, "theirs.txt"), "utf8")).toBe("keep me");
    for (const recording of [a, b]) expect((await stat(recording.path)).size).toBeGreaterThan(0);
  });
});
