import { execFile } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVideo } from "../support/media";
import { waitUntil } from "../support/wait";
import { type Harness, startHarness } from "./harness";

// Long footage, scaled down: with RUSHES_CHUNK_SECONDS=4 a 30 s source is split into 6 s chunks
// (whole HLS segments), encoded by chunk workers over the real queue, and stitched by one of them.
const exec = promisify(execFile);
const fps = 25;
const seconds = 30;
let h: Harness;
let dir: string;
let key: string;
let source: string;
type Video = {
  id: string;
  status: string;
  error?: { code: string };
  renditions: { name: string; url: string }[];
  hls: { masterKey: string; rungs: { name: string }[] };
};
let video: Video;
let ffprobe: string;
let ffmpeg: string;

/** Chunk deliveries seen per video, and the test modes chosen by the upload's title. */
const seen = new Map<string, number>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rushes-chunked-"));
  h = await startHarness({
    env: {
      RUSHES_CHUNK_SECONDS: "4",
      RUSHES_THUMBNAIL_WIDTHS: "300",
      RUSHES_LOCAL_CHUNK_CONCURRENCY: "2",
    },
    queue: { visibilityTimeoutSeconds: 20 },
    handlers: {
      // The real worker, behind a test hook: "dup" uploads get every chunk message twice,
      // "fail" uploads lose chunk 1's copy before every attempt, so that chunk always fails.
      chunkWorker: async (event: SQSEvent) => {
        const { Lifecycle } = await import("@rushes/core/lifecycle");
        const { Aws } = await import("@rushes/core/aws");
        const { Resource } = await import("sst");
        for (const record of event.Records) {
          const body = JSON.parse(record.body);
          const title = (await Lifecycle.video.load(body.videoId))?.title;
          seen.set(body.videoId, (seen.get(body.videoId) ?? 0) + 1);
          if (title === "dup" && !body.copy) {
            await (await Aws.sqs()).send(
              new SendMessageCommand({
                QueueUrl: Resource.ChunkQueue.url,
                MessageBody: JSON.stringify({ ...body, copy: true }),
              }),
            );
          }
          if (title === "fail" && body.chunk.index === 1) {
            const { Storage, ObjectKeys } = await import("@rushes/core/storage");
            await Storage.removePrefixes([ObjectKeys.chunk(body.videoId, 1)]);
          }
        }
        // Loaded here, not before the runtime: core must read the runtime's resources.
        const real = (await import("@rushes/functions/chunk-worker")).handler;
        return real(event);
      },
    },
  });
  const { Ffmpeg } = await import("@rushes/core/media");
  ({ ffmpeg, ffprobe } = Ffmpeg.paths());
  key = await h.newKey("chunk-owner");
  source = await generateVideo({
    path: join(dir, "source.mp4"),
    width: 640,
    height: 360,
    seconds,
    fps,
    gopSeconds: 2,
  });
  const id = await h.upload(key, source);
  video = await h.waitForStatus(key, id, ["ready", "failed", "rejected"], 400_000);
}, 450_000);

afterAll(async () => {
  await h?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function fetchKey(objectKey: string, path: string) {
  const { Storage } = await import("@rushes/core/storage");
  await Storage.download(objectKey, path);
  return path;
}

/** A rendition as a player assembles it: the init, then every segment its playlist lists. */
async function assemble(id: string, rung: string, path: string) {
  const playlist = await readFile(
    await fetchKey(`media/${id}/hls/${rung}/index.m3u8`, `${path}.m3u8`),
    "utf8",
  );
  const init = /URI="([^"]+)"/.exec(playlist)![1]!;
  const files = [init, ...playlist.split("\n").filter((l) => l && !l.startsWith("#"))];
  const out = await open(path, "w");
  for (const file of files) {
    await out.write(
      await readFile(await fetchKey(`media/${id}/hls/${rung}/${file}`, `${path}.part`)),
    );
  }
  await out.close();
  return { path, segments: files.length - 1, playlist };
}

async function packets(path: string, stream: string) {
  const { stdout } = await exec(ffprobe, [
    ...["-v", "error", "-select_streams", stream, "-show_entries", "packet=pts_time,duration_time"],
    ...["-of", "csv=p=0", path],
  ]);
  return stdout
    .trim()
    .split("\n")
    .map((l) => l.split(",").map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0]);
}

/** The largest gap or overlap between consecutive presentation times, against the frame step. */
function worstJitter(times: number[], step: number) {
  let worst = 0;
  for (let i = 1; i < times.length; i++)
    worst = Math.max(worst, Math.abs(times[i]! - times[i - 1]! - step));
  return worst;
}

describe("a 30 s source cut into 6 s chunks", () => {
  it("ends ready with the full ladder and downloads", () => {
    expect(video.status).toBe("ready");
    expect(video.hls.rungs.map((r) => r.name)).toEqual(["360p"]);
    expect(video.renditions.map((r) => r.name)).toEqual(["360p"]);
  });

  it("went through five chunks, and work/ is gone", async () => {
    const history = await h.api(key, "GET", `/v1/videos/${video.id}/events`);
    const chunked = history.body.data.find(
      (e: { detail?: { chunked?: number } }) => e.detail?.chunked,
    );
    expect(chunked.detail).toMatchObject({ chunked: 5, keyframeAligned: 5 });
    const { Storage } = await import("@rushes/core/storage");
    // The stitcher deletes work/ right after the video turns ready.
    await waitUntil(`work/ of ${video.id} deleted`, async () =>
      (await Storage.head(`work/${video.id}/chunks/00000.mkv`)) === undefined ? true : undefined,
    );
  });

  it("has continuous video PTS across every join, the source's duration and a single run's frames", async () => {
    const rung = await assemble(video.id, "360p", join(dir, "chunked-360p.mp4"));
    expect(rung.segments).toBe(5);
    const frames = await packets(rung.path, "v:0");
    const times = frames.map(([pts]) => pts);
    expect(worstJitter(times, 1 / fps)).toBeLessThanOrEqual(0.001);
    const span = times.at(-1)! - times[0]! + 1 / fps;
    expect(Math.abs(span - seconds)).toBeLessThanOrEqual(1 / fps);

    // The single run of the same source through the ffmpeg adapter: same frames, same timeline.
    const { FfmpegTranscoder, Plan, Probe } = await import("@rushes/core/media");
    const probe = await Probe.file(source);
    const plan = Plan.forVideo("vid_single", probe, [300]);
    const work = join(dir, "single");
    await mkdir(work, { recursive: true });
    const single = await FfmpegTranscoder.render({
      sourcePath: source,
      workDir: work,
      probe,
      plan,
    });
    const singleRung = single.ladder.rungs[0]!;
    const joined = await FfmpegTranscoder.joinFragments(
      single.hls,
      singleRung,
      join(dir, "single.mp4"),
    );
    const singleTimes = (await packets(joined, "v:0")).map(([pts]) => pts);
    expect(frames.length).toBe(singleTimes.length);
    expect(Math.abs(times[0]! - singleTimes[0]!)).toBeLessThanOrEqual(0.001);
    expect(Math.abs(times.at(-1)! - singleTimes.at(-1)!)).toBeLessThanOrEqual(0.001);
  });

  it("has audio with no gap at the joins (one encode for the whole source)", async () => {
    const audio = await assemble(video.id, "audio", join(dir, "chunked-audio.mp4"));
    const frames = await packets(audio.path, "a:0");
    expect(
      worstJitter(
        frames.map(([pts]) => pts),
        1024 / 48000,
      ),
    ).toBeLessThanOrEqual(0.001);
    const end = frames.at(-1)![0] + frames.at(-1)![1];
    expect(Math.abs(end - seconds)).toBeLessThanOrEqual(0.05);
  });

  it("has an MP4 download that plays end to end", async () => {
    const path = join(dir, "download.mp4");
    await fetchKey(`media/${video.id}/360p.mp4`, path);
    const { stderr } = await exec(ffmpeg, ["-v", "error", "-i", path, "-f", "null", "-"]);
    expect(stderr).toBe("");
    const frames = await packets(path, "v:0");
    expect(frames.length).toBe(seconds * fps);
    expect(
      worstJitter(
        frames.map(([pts]) => pts),
        1 / fps,
      ),
    ).toBeLessThanOrEqual(0.001);
    expect((await packets(path, "a:0")).length).toBeGreaterThan(0);
  });
});

describe("faults", () => {
  it("a duplicate delivery of every chunk: one stitch, one video.ready", async () => {
    const small = await generateVideo({
      path: join(dir, "dup.mp4"),
      seconds: 20,
      fps,
      gopSeconds: 2,
    });
    const id = await h.upload(key, small, { extra: { title: "dup" } });
    const done = await h.waitForStatus(key, id, ["ready", "failed"], 300_000);
    expect(done.status).toBe("ready");
    // Let the copies drain, then count.
    const { waitUntil } = await import("../support/wait");
    await waitUntil(
      () => `only ${seen.get(id)} chunk deliveries`,
      () => (seen.get(id) ?? 0) >= 6,
      { timeoutMs: 120_000 },
    );
    const history = await h.api(key, "GET", `/v1/videos/${id}/events`);
    expect(history.body.data.filter((e: { type: string }) => e.type === "ready")).toHaveLength(1);
    expect(
      h.runtime.events.filter((e) => e.type === "video.ready" && e.properties.videoId === id),
    ).toHaveLength(1);
  }, 400_000);

  it("a chunk that always fails: the video ends failed with chunk_failed", async () => {
    const small = await generateVideo({
      path: join(dir, "fail.mp4"),
      seconds: 20,
      fps,
      gopSeconds: 2,
    });
    const id = await h.upload(key, small, { extra: { title: "fail" } });
    const done = await h.waitForStatus(key, id, ["ready", "failed"], 300_000);
    expect(done.status).toBe("failed");
    expect(done.error.code).toBe("chunk_failed");
  }, 400_000);
});
