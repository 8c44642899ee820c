import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeRepeatedSamples, writeSpreadFrames, writeStaticScene } from "../support/costly";
import { generateVideo } from "../support/media";
import { type Harness, startHarness } from "./harness";

// Issue 20's four hostile uploads, end to end: each is bounded by its bytes. Durations are scaled
// down with RUSHES_CHUNK_SECONDS=2 (the table's 6 h at 60 s chunks made 360 chunks).
const settled = ["ready", "failed", "rejected"];
let h: Harness;
let key: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rushes-costly-it-"));
  h = await startHarness({ env: { RUSHES_THUMBNAIL_WIDTHS: "300", RUSHES_CHUNK_SECONDS: "2" } });
  key = await h.newKey("costly");
});

afterAll(async () => {
  await h?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** CPU seconds of this process and of every child it has reaped (ffmpeg), from /proc. */
function cpuSeconds() {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  const ticks = fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0);
  return ticks / 100;
}

/** Samples /proc for ffmpeg processes of the split (stream copies into Matroska) at once. */
function watchSplit() {
  let most = 0;
  const timer = setInterval(() => {
    let n = 0;
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        if (cmd.includes("\0copy\0") && cmd.includes("\0matroska\0")) n++;
      } catch {}
    }
    most = Math.max(most, n);
  }, 5);
  return () => {
    clearInterval(timer);
    return most;
  };
}

async function run(file: string, contentType: string) {
  const cpu = cpuSeconds();
  const id = await h.upload(key, file, { contentType });
  const video = await h.waitForStatus(key, id, settled, 120_000);
  await h.runtime.idle();
  const history = (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data as Array<{
    type: string;
    detail?: { chunked?: number };
  }>;
  const jobs = history.find((e) => e.detail?.chunked)?.detail?.chunked ?? 0;
  const bytes = (await stat(file)).size;
  const used = cpuSeconds() - cpu;
  console.info(
    `${file.split("/").pop()}: ${bytes} bytes, ${video.status}, ${jobs} chunk jobs, ${used.toFixed(2)} s CPU`,
  );
  return { id, video, jobs, types: history.map((e) => e.type) };
}

describe("hostile uploads are bounded by their bytes", () => {
  it("2×2, 720 frames over 6 h (10 KB): rejected at the probe, no chunk job", async () => {
    const file = await writeSpreadFrames(join(dir, "spread.mp4"), { frames: 720, seconds: 21_600 });
    const { video, jobs, types } = await run(file, "video/mp4");
    expect(video.status).toBe("rejected");
    expect(video.error.code).toBe("implausible_source");
    expect(jobs).toBe(0);
    expect(types).toEqual(["created", "processing", "rejected"]);
  });

  it("15,000 samples pointing at one 8.6 KB frame: rejected, its bytes deleted", async () => {
    const file = await writeRepeatedSamples(join(dir, "repeat.mp4"), { samples: 15_000, fps: 25 });
    const { video, jobs } = await run(file, "video/mp4");
    expect(video.status).toBe("rejected");
    expect(video.error.code).toBe("implausible_source");
    expect(jobs).toBe(0);
    expect(video.source.url).toBeUndefined();
  });

  it("the same trick at 1080p (2 min of one frame): rejected, no split", async () => {
    const file = await writeRepeatedSamples(join(dir, "repeat-1080.mp4"), {
      samples: 3000,
      fps: 25,
      size: "1920x1080",
    });
    const { video, jobs } = await run(file, "video/mp4");
    expect(video.status).toBe("rejected");
    expect(video.error.code).toBe("implausible_source");
    expect(jobs).toBe(0);
  });

  it("an ordinary long Matroska at 320×240 splits with at most one ffmpeg per core", async () => {
    const file = await generateVideo({
      path: join(dir, "long.mkv"),
      seconds: 60,
      width: 320,
      height: 240,
      preset: "ultrafast",
    });
    const stop = watchSplit();
    const { video, jobs } = await run(file, "video/x-matroska");
    const most = stop();
    expect(video.status, JSON.stringify(video.error)).toBe("ready");
    expect(jobs).toBeGreaterThan(2);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(availableParallelism());
  });

  it("a camera's still scene passes (bytes back its frames) and is ready", async () => {
    const file = await writeStaticScene(join(dir, "still.mp4"), { seconds: 20 });
    const { video } = await run(file, "video/mp4");
    expect(video.status, JSON.stringify(video.error)).toBe("ready");
  });
});
