import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchTree } from "../../bench/procs";
import { generateVideo, writeResolutionChange, writeTimestampGap } from "../support/media";
import { type Harness, startHarness } from "./harness";

// Uploads that are tiny on disk but were built to make ingest burn its function: each must
// settle quickly, in little memory, and once (no retries of the same doomed work).
const settled = ["ready", "failed", "rejected"];
/** Below what any of these could reach by their old cost; generous for a loaded machine. */
// A generous bound: what pins the fix is the output's frame count and the rejection code; this
// only tells "bounded" from the hours the unfixed cases ran, whatever the machine's load.
const settleLimitMs = 120_000;
const maxFramePixels = 640 * 480;

let h: Harness;
let key: string;
let dir: string;

beforeAll(async () => {
  // A low pixel cap, so a small second size proves it (the default is 8192²).
  h = await startHarness({
    env: { RUSHES_THUMBNAIL_WIDTHS: "300", RUSHES_MAX_FRAME_PIXELS: String(maxFramePixels) },
  });
  dir = h.dir;
  key = await h.newKey("hostile");
});

afterAll(async () => {
  await h?.stop();
});

async function uploadAndSettle(file: string, contentType: string) {
  const watch = watchTree(process.pid, 20);
  const started = Date.now();
  const id = await h.upload(key, file, { contentType });
  const video = await h.waitForStatus(key, id, settled, settleLimitMs);
  const ms = Date.now() - started;
  watch.sample();
  const ffmpeg = [...watch.stop().byPid.values()].filter((p) => p.name === "ffmpeg");
  const peakMB = Math.max(0, ...ffmpeg.map((p) => p.hwmKiB)) / 1024;
  const history = (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data.map(
    (e: { type: string }) => e.type,
  );
  return { id, video, ms, peakMB, history };
}

describe("hostile uploads settle within bounds", () => {
  it("a Matroska with 4 frames at 60 fps and one at 3590 s is rejected at the probe (implausible_source)", async () => {
    const file = await writeTimestampGap(join(dir, "gap.mkv"));
    const { video, ms, peakMB, history } = await uploadAndSettle(file, "video/x-matroska");
    console.info(
      `timestamp gap: settled ${video.status} in ${ms} ms, ffmpeg peak ${peakMB.toFixed(0)} MB`,
    );
    // 20 KB cannot carry an hour: its bytes do not back its timeline (media/probe/plausible.ts).
    expect(video.status).toBe("rejected");
    expect(video.error.code).toBe("implausible_source");
    expect(ms).toBeLessThan(settleLimitMs);
    expect(history).toEqual(["created", "processing", "rejected"]);
  });

  it("a stream that grows from 320x240 to 2048x2048 is rejected at its first large frame", async () => {
    const file = await writeResolutionChange(
      join(dir, "grow.ts"),
      { width: 320, height: 240 },
      { width: 2048, height: 2048, seconds: 1 },
    );
    const { video, ms, peakMB, history } = await uploadAndSettle(file, "video/mp2t");
    console.info(
      `resolution change: settled ${video.status} in ${ms} ms, ffmpeg peak ${peakMB.toFixed(0)} MB`,
    );
    expect(video.status).toBe("rejected");
    expect(video.error.code).toBe("frame_too_large");
    expect(history).toEqual(["created", "processing", "rejected"]);
    expect(ms).toBeLessThan(settleLimitMs);
    // How little memory the refusal takes is measured against a control in bounded.test.ts.
    expect(peakMB).toBeGreaterThan(0);
  }, 180_000);

  it("a transcode that times out is rejected once, not retried", async () => {
    const { Config } = await import("@rushes/core/config");
    const file = await generateVideo({
      path: join(dir, "slow.mp4"),
      width: 640,
      height: 480,
      seconds: 20,
      fps: 30,
    });
    process.env.RUSHES_FFMPEG_TIMEOUT_SECONDS = "1";
    Config.reset();
    try {
      const { id, video, history } = await uploadAndSettle(file, "video/mp4");
      expect(video.status).toBe("rejected");
      expect(video.error.code).toBe("timeout");
      // Its first 2 s segments may have been stored, and the video playable, before the timeout:
      // the history says so, and the rejection removes them with everything else.
      expect(history.filter((type: string) => type !== "playable")).toEqual([
        "created",
        "processing",
        "rejected",
      ]);
      expect(await h.objects(`media/${id}/`)).toEqual([]);
      expect(await h.objects(`sources/${id}/`)).toEqual([]);
    } finally {
      delete process.env.RUSHES_FFMPEG_TIMEOUT_SECONDS;
      Config.reset();
    }
  });
});
