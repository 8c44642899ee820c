import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { watchTree } from "../../../../bench/procs";
import {
  generateVideo,
  writeResolutionChange,
  writeTimestampGap,
} from "../../../../test/support/media";
import { Config } from "../../src/config";
import { Ffmpeg, FfmpegTranscoder, MediaError, Plan, Probe } from "../../src/media";

/*
 * Work is bounded by the content, not by the timer: hostile uploads that are tiny on disk must
 * settle quickly and in little memory, with a permanent error where they cannot be made.
 */
const exec = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rushes-bounded-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.RUSHES_MAX_FRAME_PIXELS;
  Config.reset();
});

async function render(source: string, opts: Ffmpeg.RunOptions = {}, probeOpts: Probe.Options = {}) {
  const probe = await Probe.file(source, probeOpts);
  const plan = Plan.forVideo("vid_bounded", probe, [300]);
  const workDir = await mkdtemp(join(dir, "work-"));
  return {
    probe,
    outputs: await FfmpegTranscoder.render({ sourcePath: source, workDir, probe, plan }, opts),
  };
}

async function frameCount(path: string) {
  const { stdout } = await exec(Ffmpeg.paths().ffprobe, [
    ...["-v", "error", "-count_packets", "-select_streams", "v:0"],
    ...["-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path],
  ]);
  return Number(stdout.trim());
}

/** Runs `fn` and reports the largest VmHWM of any ffmpeg this process started meanwhile. */
async function peakFfmpegMB<T>(fn: () => Promise<T>) {
  const watch = watchTree(process.pid, 20);
  const result: { value?: T; error?: unknown } = await fn().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  watch.sample();
  const peaks = [...watch.stop().byPid.values()].filter((p) => p.name === "ffmpeg");
  return { ...result, peakMB: Math.max(0, ...peaks.map((p) => p.hwmKiB)) / 1024 };
}

describe("a timestamp gap (4 frames at 60 fps, then one at 3590 s)", () => {
  it("is refused by the probe: 20 KB cannot carry an hour (implausible_source)", async () => {
    const source = await writeTimestampGap(join(dir, "gap-probe.mkv"));
    const error = await Probe.file(source).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "implausible_source", permanent: true });
  });

  it("would still render in seconds with one output frame per source frame", async () => {
    const source = await writeTimestampGap(join(dir, "gap.mkv"));
    const started = Date.now();
    // Constant-frame-rate output wrote ~215k duplicates per rendition here: the frame count
    // pins that; the time limit only stops a regression from running for hours. The render's
    // own bound, past the probe (which now refuses this file).
    const { probe, outputs } = await render(source, { timeoutMs: 120_000 }, { trusted: true });
    const seconds = (Date.now() - started) / 1000;
    expect(probe.durationMs).toBeGreaterThan(3_589_000);
    expect(await frameCount(outputs.renditions[0]!)).toBe(5);
    console.info(`timestamp gap: rendered in ${seconds.toFixed(2)} s`);
    expect(seconds).toBeLessThan(120);
  }, 180_000);
});

describe("a stream whose frames grow after the first (320x240, then 2048x2048)", () => {
  it("passes the probe, then is refused at its first large frame, in little memory", async () => {
    const source = await writeResolutionChange(
      join(dir, "grow.ts"),
      { width: 320, height: 240 },
      { width: 2048, height: 2048, seconds: 1 },
    );
    process.env.RUSHES_MAX_FRAME_PIXELS = String(640 * 480);
    Config.reset();
    const capped = await peakFfmpegMB(() => render(source));
    expect(capped.error).toBeInstanceOf(MediaError);
    expect(capped.error).toMatchObject({ code: "frame_too_large", permanent: true });

    // The control: without a cap that low, the same file is decoded at full size.
    delete process.env.RUSHES_MAX_FRAME_PIXELS;
    Config.reset();
    const uncapped = await peakFfmpegMB(() => render(source));
    expect(uncapped.error).toBeUndefined();
    console.info(
      `resolution change: ffmpeg peak ${capped.peakMB.toFixed(0)} MB capped, ${uncapped.peakMB.toFixed(0)} MB uncapped`,
    );
    // Relative to the control, so neither the ffmpeg build nor the machine moves the bar.
    expect(capped.peakMB).toBeGreaterThan(0);
    expect(uncapped.peakMB).toBeGreaterThan(capped.peakMB * 1.5);
  });

  it("refuses a first frame over the cap at the probe", async () => {
    const source = await generateVideo({ path: join(dir, "big.mp4"), width: 640, height: 480 });
    process.env.RUSHES_MAX_FRAME_PIXELS = String(320 * 240);
    Config.reset();
    await expect(Probe.file(source)).rejects.toMatchObject({
      code: "frame_too_large",
      permanent: true,
    });
  });
});

describe("decoder allow-list", () => {
  it.each([
    { name: "FFV1 video", args: ["-c:v", "ffv1", "-an"], codec: "ffv1" },
    { name: "WavPack audio", args: ["-c:v", "libx264", "-c:a", "wavpack"], codec: "wavpack" },
  ])("rejects $name as unsupported_codec before decoding it", async ({ args, codec }) => {
    const path = join(dir, `${codec}.mkv`);
    await exec(Ffmpeg.paths().ffmpeg, [
      ...["-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1"],
      ...["-f", "lavfi", "-i", "sine=duration=1", ...args, "-pix_fmt", "yuv420p", path],
    ]);
    const error = await Probe.file(path).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "unsupported_codec", permanent: true });
    expect((error as Error).message).toContain(codec);
  });
});

describe("timeouts", () => {
  it("a transcode that overstays its limit is permanent: the same input would again", async () => {
    const source = await generateVideo({ path: join(dir, "slow.mp4"), seconds: 2 });
    const error = await render(source, { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "timeout", permanent: true });
  });
});

describe("the arguments", () => {
  const probe: Probe.Info = {
    durationMs: 10_000,
    width: 1920,
    height: 1080,
    videoCodec: "h264",
    fps: 240,
    formatName: "mov,mp4,m4a,3gp,3g2,mj2",
  };
  const args = (p: Probe.Info) => {
    const plan = Plan.forVideo("vid_x", p, [300]);
    return FfmpegTranscoder.args(
      { sourcePath: "/tmp/s", probe: p, plan },
      { hls: "/tmp/hls", storyboard: "/tmp/storyboard", thumbnails: ["/tmp/t.jpg"] },
    ).join(" ");
  };

  it("keep frame timing, cap frames per rendition at duration × 60, drop (never fill) above 60 fps", () => {
    const line = args(probe);
    expect(line).toContain("-vsync vfr");
    // No fps filter on the picture path (the storyboard's own sampling filter is its branch).
    expect(line).not.toMatch(/\[0:v:0\]fps=/);
    // One per HLS rung (1080p, 720p, 480p, 360p).
    expect(line.match(/-frames:v 660 /g)).toHaveLength(4);
    expect(line.match(/-r 60 /g)).toHaveLength(4);
    expect(args({ ...probe, fps: 30 })).not.toContain("-r 60");
  });

  it("cap the pixels of every decoded frame on the input", () => {
    expect(args(probe)).toContain(`-max_pixels ${8192 * 8192} -f mov -i file:/tmp/s`);
  });
});

describe("versions", () => {
  it("reads the first line of -version of both binaries", async () => {
    expect(await Ffmpeg.version("ffmpeg")).toMatch(/^ffmpeg version \S+/);
    expect(await Ffmpeg.version("ffprobe")).toMatch(/^ffprobe version \S+/);
  });
});
