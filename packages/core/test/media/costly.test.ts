import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { Chunks, ChunkTranscode, MediaError, Plan, Plausible, Probe } from "@rushes/core/media";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  writeRepeatedSamples,
  writeSpreadFrames,
  writeStaticScene,
} from "../../../../test/support/costly";
import { generateVideo } from "../../../../test/support/media";

// Issue 20's hostile uploads, at the media layer: the probe refuses frames its bytes do not
// back, and the split is bounded in processes and in bytes written.
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rushes-costly-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function refusal(path: string) {
  const error = await Probe.details(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  return error instanceof MediaError ? { code: error.code, permanent: error.permanent } : error;
}

describe("the probe refuses frames not backed by bytes (implausible_source)", () => {
  it("720 frames of 2×2 spread over 6 h, in 10 KB", async () => {
    const path = await writeSpreadFrames(join(dir, "spread.mp4"), { frames: 720, seconds: 21_600 });
    expect((await stat(path)).size).toBeLessThan(20_000);
    expect(await refusal(path)).toEqual({ code: "implausible_source", permanent: true });
  });

  it("15,000 samples that all point at one 8.6 KB frame", async () => {
    const path = await writeRepeatedSamples(join(dir, "repeat.mp4"), { samples: 15_000, fps: 25 });
    const size = (await stat(path)).size;
    expect(await Plausible.sampleBytes(path, size)).toBeGreaterThan(1000 * size);
    expect(await refusal(path)).toEqual({ code: "implausible_source", permanent: true });
  });

  it("the same trick at 1080p", async () => {
    const path = await writeRepeatedSamples(join(dir, "repeat-1080.mp4"), {
      samples: 3000,
      fps: 25,
      size: "1920x1080",
    });
    expect(await refusal(path)).toEqual({ code: "implausible_source", permanent: true });
  });

  it("passes a camera's still scene and ordinary footage", async () => {
    const still = await writeStaticScene(join(dir, "still.mp4"), { seconds: 30 });
    expect((await Probe.details(still)).durationMs).toBe(30_000);
    const moving = await generateVideo({ path: join(dir, "moving.mkv"), seconds: 4 });
    expect((await Probe.details(moving)).durationMs).toBeGreaterThan(3900);
  });
});

/** The most ffmpeg processes splitting into `dir` seen at once, sampled from /proc. */
function watchSplits(marker: string) {
  let most = 0;
  const count = () => {
    let n = 0;
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) n++;
      } catch {}
    }
    most = Math.max(most, n);
  };
  const timer = setInterval(count, 5);
  return () => {
    clearInterval(timer);
    return most;
  };
}

describe("the split is bounded by the source", () => {
  it("runs at most one ffmpeg per core, whatever the chunk count", async () => {
    const source = await generateVideo({
      path: join(dir, "long.mkv"),
      seconds: 60,
      width: 320,
      height: 240,
      audio: false,
      preset: "ultrafast",
    });
    const probe = await Probe.file(source);
    const plan = Plan.forVideo("vid_pool", probe, [300]);
    const chunks = Chunks.plan({
      durationMs: probe.durationMs,
      keyframesMs: (await Chunks.keyframes(source, probe.formatName)).keyframesMs,
      chunkSeconds: 1,
      segmentSeconds: plan.hls.segmentSeconds,
    });
    expect(chunks.length).toBeGreaterThanOrEqual(8);
    const out = join(dir, "pool-split");
    const stop = watchSplits(out);
    const split = await ChunkTranscode.split({ sourcePath: source, probe, plan, chunks }, out);
    const most = stop();
    expect(split.chunks).toHaveLength(chunks.length);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(availableParallelism());
  });

  it("stops past a small multiple of the source's bytes and fails with split_too_large", async () => {
    // The probe would refuse this file; the split must still hold on its own.
    const source = await writeRepeatedSamples(join(dir, "repeat-split.mp4"), {
      samples: 15_000,
      fps: 25,
    });
    const bytes = (await stat(source)).size;
    const probe = {
      ...(await Probe.details(join(dir, "still.mp4"))),
      durationMs: 600_000,
      formatName: "mov,mp4,m4a,3gp,3g2,mj2",
    };
    const plan = Plan.forVideo("vid_cap", { ...probe, audioCodec: undefined }, [300]);
    const chunks = Chunks.plan({
      durationMs: probe.durationMs,
      keyframesMs: [0],
      chunkSeconds: 60,
      segmentSeconds: plan.hls.segmentSeconds,
    });
    const out = join(dir, "cap-split");
    const error = await ChunkTranscode.split({ sourcePath: source, probe, plan, chunks }, out).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).code).toBe(ChunkTranscode.cappedCode);
    let written = 0;
    for (const name of await readdir(out)) written += (await stat(join(out, name))).size;
    // Before the cap this wrote 129 MB (1,900× the upload). Each running ffmpeg stops at what
    // was left of the cap when it started, and the watcher stops them all once past it.
    const cap = ChunkTranscode.splitCap(bytes);
    expect(written).toBeGreaterThan(cap);
    expect(written).toBeLessThanOrEqual(cap * (availableParallelism() + 1));
    expect(written).toBeLessThan(129_000_000 / 2);
  });
});
