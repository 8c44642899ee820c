import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assemble, fetchKey, packets, worstJitter } from "../support/ladder";
import { framePsnr, inspect, measureLoudness } from "../support/media";
import { waitUntil } from "../support/wait";
import { chunkSource, chunkWorker, type Harness, startHarness } from "./harness";

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
let ffmpeg: string;

/** Chunk deliveries seen per video, and per chunk (`{videoId}/{index}`). */
const seen = new Map<string, number>();
/** Download-job deliveries seen per video. */
const seenDownloads = new Map<string, number>();
const seenChunk = new Map<string, number>();
/** "stitch-flaky" videos whose first stitch has failed, and how to put their manifest back. */
const stitchFailed = new Set<string>();
const hiddenManifest = new Map<string, Promise<() => Promise<unknown>>>();

/** Moves an object out of the bucket; the returned function puts it back. */
async function hide(objectKey: string) {
  const { Storage } = await import("@rushes/core/storage");
  const path = await fetchKey(objectKey, join(dir, objectKey.replaceAll("/", "_")));
  await Storage.remove(objectKey);
  return () => Storage.upload(objectKey, path, "application/octet-stream");
}

beforeAll(async () => {
  h = await startHarness({
    env: {
      RUSHES_CHUNK_SECONDS: "4",
      // Every MP4 here is read by ranges, as production reads long ones (256 MiB and up).
      RUSHES_RANGED_READ_BYTES: "1",
      RUSHES_THUMBNAIL_WIDTHS: "300",
      RUSHES_LOCAL_CHUNK_CONCURRENCY: "2",
      RUSHES_CHUNK_RETRY_SECONDS: "1",
    },
    // Longer than any test here waits: a failed chunk that comes back in time came back through
    // the worker's backoff (Chunked.retrySoon), never through the visibility timeout.
    queue: { visibilityTimeoutSeconds: 600 },
    handlers: {
      // The real worker, behind a test hook that the upload's title steers: "dup" uploads get
      // every chunk message twice; "fail" uploads send chunk 1 to an input that does not exist
      // on every attempt, so that chunk always fails; "flaky" ones on its first only; "stitch-flaky"
      // ones lose chunk 0's manifest, which only the stitch reads, until one stitch has failed.
      chunkWorker: async (event: SQSEvent) => {
        const { Lifecycle } = await import("@rushes/core/lifecycle");
        const { Aws } = await import("@rushes/core/aws");
        const { Resource } = await import("sst");
        const { Storage, ObjectKeys } = await import("@rushes/core/storage");
        const after: (() => Promise<unknown>)[] = [];
        for (const record of event.Records) {
          const body = JSON.parse(record.body);
          const id: string = body.videoId;
          const title = (await Lifecycle.video.load(id))?.title;
          // The MP4 download jobs that follow the stitch ride the same queue.
          const counts = body.download ? seenDownloads : seen;
          counts.set(id, (counts.get(id) ?? 0) + 1);
          const chunk = `${id}/${body.chunk?.index ?? body.download}`;
          seenChunk.set(chunk, (seenChunk.get(chunk) ?? 0) + 1);
          if (title === "dup" && !body.copy) {
            await (await Aws.sqs()).send(
              new SendMessageCommand({
                QueueUrl: Resource.ChunkQueue.url,
                MessageBody: JSON.stringify({ ...body, copy: true }),
              }),
            );
          }
          // Sent to read a split copy that was never made: the read fails as a lost object would.
          const lost = () => {
            record.body = JSON.stringify({ ...body, read: "copy" });
          };
          if (title === "fail" && body.chunk?.index === 1) lost();
          if (title === "flaky" && body.chunk?.index === 1 && seenChunk.get(chunk) === 1) lost();
          if (title === "stitch-flaky" && !stitchFailed.has(id)) {
            after.push(async () => {
              // Chunk 0 goes out first, so the set completes later: the stitch will not find
              // its manifest, which only the stitch reads.
              if (body.chunk?.index === 0 && !hiddenManifest.has(id)) {
                hiddenManifest.set(id, hide(ObjectKeys.chunkManifest(id, 0)));
                await hiddenManifest.get(id);
                return;
              }
              const video = await Lifecycle.video.load(id);
              // Every chunk is done and still no `ready`: the stitch ran, and failed.
              if (
                !hiddenManifest.has(id) ||
                video?.status !== "processing" ||
                video.chunksDone?.length !== video.chunks
              ) {
                return;
              }
              stitchFailed.add(id);
              await (await hiddenManifest.get(id)!)();
            });
          }
        }
        try {
          return await chunkWorker(event);
        } finally {
          for (const step of after) await step();
        }
      },
    },
  });
  const { Ffmpeg } = await import("@rushes/core/media");
  ({ ffmpeg } = Ffmpeg.paths());
  dir = h.dir;
  key = await h.newKey("chunk-owner");
  ({ file: source, video } = await h.ingest(key, "source.mp4", chunkSource(seconds, fps), 400_000));
}, 450_000);

/**
 * The audio rendition at `path` against its source, sample by sample: a seam at a join (a frame
 * out of place, or a chunk's encoder starting cold) is an error hundreds of times the codec's.
 * `scale` is a gain the audio was given (loudness normalisation): the codec's error, in samples,
 * grows with the signal.
 */
async function expectNoSeams(path: string, sourcePath: string, joinSeconds: number[], scale = 1) {
  const [ours, theirs] = await Promise.all([pcm(path), pcm(sourcePath)]);
  expect(ours.length).toBe(theirs.length);
  // The ladder's audio is stereo from a mono source: fit the level once, then compare.
  let product = 0;
  let power = 0;
  for (let i = 48_000; i < 4 * 48_000; i++) {
    product += ours[i]! * theirs[i]!;
    power += theirs[i]! * theirs[i]!;
  }
  const gain = product / power;
  expect(gain).toBeGreaterThan(0.5);
  const errorAround = (at: number) => {
    let worst = 0;
    for (let i = at - 4096; i < at + 4096; i++) {
      worst = Math.max(worst, Math.abs(ours[i]! - gain * theirs[i]!));
    }
    return worst;
  };
  const { ChunkAudio } = await import("@rushes/core/media");
  const joins = joinSeconds.map((s) => ChunkAudio.frameAt(s * 1000) * 1024);
  // Mid-chunk, away from any join: what the codec does anyway (a few steps of 32,768 here; a
  // cold encoder at a join measured over a thousand).
  const codec = Math.max(...joins.map((j) => errorAround(j - 3 * 48_000)));
  expect(codec).toBeLessThan(100 * scale);
  for (const j of joins) expect(errorAround(j)).toBeLessThanOrEqual(3 * codec + 20 * scale);
}

/** A file's first audio stream as 48 kHz mono 16-bit samples. */
async function pcm(path: string) {
  const { stdout } = await exec(
    ffmpeg,
    ["-v", "error", "-i", path, "-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "s16le", "-"],
    { encoding: "buffer", maxBuffer: 64 * 1024 ** 2 },
  );
  return new Int16Array(stdout.buffer, stdout.byteOffset, stdout.length / 2);
}

afterAll(async () => {
  await h?.stop();
});

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
    // An MP4: every worker read its own stretch of the stored source, nothing was split.
    expect(chunked.detail).toMatchObject({ chunked: 5, read: "source" });
    const { Storage, ObjectKeys } = await import("@rushes/core/storage");
    // The stitcher deletes work/ right after the video turns ready.
    await waitUntil(`work/ of ${video.id} deleted`, async () =>
      (await Storage.head(ObjectKeys.chunkManifest(video.id, 0))) === undefined ? true : undefined,
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

  it("has audio with no gap and no click at the joins (each chunk encodes its own)", async () => {
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

    await expectNoSeams(audio.path, source, [6, 12, 18, 24]);
  });

  it("has the .m4a download, built from the stitched audio, and no loudness (not asked for)", async () => {
    const full = (await h.api(key, "GET", `/v1/videos/${video.id}`)).body;
    expect(full.audio.loudness).toBeUndefined();
    const m4a = await fetchKey(full.audio.download.key, join(dir, "chunked.m4a"));
    const inspected = await inspect(m4a);
    expect(inspected.bytes).toBe(full.audio.download.bytes);
    expect(inspected.video).toBeUndefined();
    expect(inspected.audio).toMatchObject({ codec: "aac" });
    expect(Math.abs(inspected.durationMs - full.probe.durationMs)).toBeLessThan(100);
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

describe("a rotated long source", () => {
  it("is chunked, and its ladder stands the way it is displayed, as the single run's does", async () => {
    // A phone held upright: 640x360 coded, a 90° display matrix, so shown 360x640.
    const upright = { ...chunkSource(20, fps), rotate: 90 as const };
    const { id, file: rotated, video: done } = await h.ingest(key, "rotated.mp4", upright, 300_000);
    expect(done.status).toBe("ready");
    const history = await h.api(key, "GET", `/v1/videos/${id}/events`);
    const chunked = history.body.data.find(
      (e: { detail?: { chunked?: number } }) => e.detail?.chunked,
    );
    expect(chunked?.detail.chunked).toBe(3);
    expect(done.hls.rungs).toEqual([
      expect.objectContaining({ name: "360p", width: 360, height: 640 }),
    ]);
    expect(done.renditions).toEqual([
      expect.objectContaining({ name: "360p", width: 360, height: 640 }),
    ]);

    // Upright pixels and no display matrix left for a player to apply a second time.
    const rung = await assemble(id, "360p", join(dir, "rotated-360p.mp4"));
    const info = await inspect(rung.path);
    expect(info.video).toMatchObject({ width: 360, height: 640 });
    expect(info.rotation ?? 0).toBe(0);
    const times = (await packets(rung.path, "v:0")).map(([pts]) => pts);
    expect(times).toHaveLength(20 * fps);
    expect(worstJitter(times, 1 / fps)).toBeLessThanOrEqual(0.001);
    const download = await inspect(
      await fetchKey(`media/${id}/360p.mp4`, join(dir, "rotated.mp4.dl")),
    );
    expect(download.video).toMatchObject({ width: 360, height: 640 });
    expect(download.rotation ?? 0).toBe(0);

    // The same picture as the single run makes, in every chunk: turned the same way, not mirrored.
    const { FfmpegTranscoder, Plan, Probe } = await import("@rushes/core/media");
    const probe = await Probe.file(rotated);
    const work = join(dir, "rotated-single");
    await mkdir(work, { recursive: true });
    const single = await FfmpegTranscoder.render({
      sourcePath: rotated,
      workDir: work,
      probe,
      plan: Plan.forVideo("vid_rotated", probe, [300]),
    });
    const joined = await FfmpegTranscoder.joinFragments(
      single.hls,
      single.ladder.rungs[0]!,
      join(dir, "rotated-single.mp4"),
    );
    for (const frame of [12, 162, 312, 487]) {
      expect(await framePsnr(rung.path, frame, joined, frame), `frame ${frame}`).toBeGreaterThan(
        30,
      );
    }
  }, 400_000);
});

describe("an MP4 with no B-frames, as many cameras and phones write", () => {
  // Its video starts at 0 and its AAC a frame earlier: read from the start with the file's own
  // timestamps, the first chunk's audio once came out 1024 samples early.
  it("has its first chunk's audio in place too", async () => {
    const noBFrames = {
      width: 320,
      height: 180,
      seconds: 20,
      fps,
      gopSeconds: 2,
      preset: "ultrafast",
    };
    const {
      id,
      file: plain,
      video: done,
    } = await h.ingest(key, "no-bframes.mp4", noBFrames, 200_000);
    expect(done.status).toBe("ready");
    const audio = await assemble(id, "audio", join(dir, "no-bframes-audio.mp4"));
    // Joins at 6 and 12 s; the codec's own error is measured 3 s before each, inside chunk 0 too.
    await expectNoSeams(audio.path, plain, [6, 12]);
  }, 240_000);
});

describe("a Matroska source, which workers cannot read by ranges", () => {
  it("is split into copies and exact audio cuts, and ends ready with seamless audio", async () => {
    const small = { width: 320, height: 180, seconds: 20, fps, gopSeconds: 2 };
    const matroska = { contentType: "video/x-matroska" };
    const {
      id,
      file: mkv,
      video: done,
    } = await h.ingest(key, "source.mkv", small, 200_000, matroska);
    expect(done.status).toBe("ready");
    const history = await h.api(key, "GET", `/v1/videos/${id}/events`);
    const chunked = history.body.data.find(
      (e: { detail?: { chunked?: number } }) => e.detail?.chunked,
    );
    // Where the plan cuts depends on the keyframes the local ffmpeg wrote (off the grid with
    // 4.1, on it with 5.1): any cut will do, as long as no join is heard.
    expect(chunked.detail).toMatchObject({ read: "copy" });
    const joins: number[] = chunked.detail.joinsMs;
    expect(joins.length).toBeGreaterThanOrEqual(1);
    expect(chunked.detail.chunked).toBe(joins.length + 1);
    const audio = await assemble(id, "audio", join(dir, "mkv-audio.mp4"));
    await expectNoSeams(
      audio.path,
      mkv,
      joins.map((ms) => ms / 1000),
    );
    // Every storyboard tile was made by a chunk, and the stitch tiled them onto the sheets.
    const { Lifecycle } = await import("@rushes/core/lifecycle");
    const storyboard = (await Lifecycle.video.load(id))!.storyboard!;
    expect(storyboard.count).toBeGreaterThan(1);
    const sheet = await fetchKey(storyboard.sheets[0]!, join(dir, "mkv-sheet.jpg"));
    const { width } = (await inspect(sheet)).video!;
    expect(width % storyboard.tileWidth).toBe(0);
    expect(width).toBeGreaterThan(storyboard.tileWidth);
  }, 240_000);
});

/**
 * The level of `ours` against `theirs` (the source) over each stretch between joins, in dB: one
 * figure per chunk, skipping half a second either side of each join.
 */
async function levelsPerChunk(ours: string, theirs: string, joinSeconds: number[]) {
  const [a, b] = await Promise.all([pcm(ours), pcm(theirs)]);
  const edges = [0, ...joinSeconds, a.length / 48_000];
  return edges.slice(1).map((end, i) => {
    let num = 0;
    let den = 0;
    const [from, to] = [edges[i]! + 0.5, end - 0.5].map((t) => Math.round(t * 48_000));
    for (let s = from!; s < to!; s++) {
      num += a[s]! * a[s]!;
      den += b[s]! * b[s]!;
    }
    return 10 * Math.log10(num / den);
  });
}

describe("with loudness normalisation on (normalizeAudio: true)", () => {
  const normalise = { extra: { normalizeAudio: true } };

  /** Every chunk at the same level against the source, that level the recorded gain, no seam. */
  async function expectOneGain(id: string, source: string, joins: number[], gainDb: number) {
    const audio = await assemble(id, "audio", join(dir, `${id}-audio.mp4`));
    await expectNoSeams(audio.path, source, joins, 10 ** (gainDb / 20));
    const plain = await assemble(video.id, "audio", join(dir, "plain-audio.mp4"));
    // The un-normalised 30 s video (same tone) gives the level the ladder's downmix alone adds.
    const [reference] = await levelsPerChunk(plain.path, source, [6]);
    const levels = await levelsPerChunk(audio.path, source, joins);
    expect(levels.length).toBe(joins.length + 1);
    for (const level of levels) expect(level - reference!).toBeCloseTo(gainDb, 1);
  }

  it("reading by ranges: one gain in every chunk, seamless joins, the .m4a at the target", async () => {
    const {
      id,
      file,
      video: done,
    } = await h.ingest(key, "normalised.mp4", chunkSource(20, fps), 300_000, normalise);
    expect(done.status).toBe("ready");
    const loudness = done.audio.loudness;
    // lavfi's tone is about -21.75 LUFS: the gain lifts it by about 5.75 dB.
    expect(loudness.gainDb).toBeGreaterThan(5);
    const history = await h.api(key, "GET", `/v1/videos/${id}/events`);
    const chunked = history.body.data.find(
      (e: { detail?: { chunked?: number } }) => e.detail?.chunked,
    );
    expect(chunked.detail).toMatchObject({ read: "source", gainDb: loudness.gainDb });
    await expectOneGain(id, file, [6, 12], loudness.gainDb);

    // The .m4a is the stitched audio: the whole duration, at the target.
    const m4a = await fetchKey(done.audio.download.key, join(dir, "normalised.m4a"));
    expect(Math.abs((await measureLoudness(m4a)).integratedLufs - -16)).toBeLessThanOrEqual(1);
    expect(Math.abs(loudness.output.integratedLufs - -16)).toBeLessThanOrEqual(1);
    const inspected = await inspect(m4a);
    expect(inspected.video).toBeUndefined();
    expect(inspected.audio).toMatchObject({ codec: "aac" });
    expect(Math.abs(inspected.durationMs - done.probe.durationMs)).toBeLessThan(100);
  }, 400_000);

  it("from a split copy (Matroska): the same gain in every chunk's own encode", async () => {
    const small = { width: 320, height: 180, seconds: 20, fps, gopSeconds: 2 };
    const {
      id,
      file,
      video: done,
    } = await h.ingest(key, "normalised.mkv", small, 300_000, {
      contentType: "video/x-matroska",
      ...normalise,
    });
    expect(done.status).toBe("ready");
    const history = await h.api(key, "GET", `/v1/videos/${id}/events`);
    const chunked = history.body.data.find(
      (e: { detail?: { chunked?: number } }) => e.detail?.chunked,
    );
    expect(chunked.detail).toMatchObject({ read: "copy", gainDb: done.audio.loudness.gainDb });
    const joins = (chunked.detail.joinsMs as number[]).map((ms) => ms / 1000);
    await expectOneGain(id, file, joins, done.audio.loudness.gainDb);
  }, 400_000);
});

describe("faults", () => {
  /** A 20 s upload whose title steers the test hook in the chunk worker. */
  const faulty = (title: string, timeoutMs: number) =>
    h.ingest(key, `${title}.mp4`, { seconds: 20, fps, gopSeconds: 2 }, timeoutMs, {
      extra: { title },
    });

  it("a duplicate delivery of every chunk: one stitch, one video.ready", async () => {
    const { id, video: done } = await faulty("dup", 300_000);
    expect(done.status).toBe("ready");
    // Let the copies drain, then count.
    const { waitUntil } = await import("../support/wait");
    await waitUntil(
      () => `only ${seen.get(id)} chunk and ${seenDownloads.get(id)} download deliveries`,
      () => (seen.get(id) ?? 0) >= 6 && (seenDownloads.get(id) ?? 0) >= 2 * done.renditions.length,
      { timeoutMs: 120_000 },
    );
    const history = await h.api(key, "GET", `/v1/videos/${id}/events`);
    expect(history.body.data.filter((e: { type: string }) => e.type === "ready")).toHaveLength(1);
    expect(
      h.runtime.events.filter((e) => e.type === "video.ready" && e.properties.videoId === id),
    ).toHaveLength(1);
  }, 400_000);

  it("a chunk that fails once comes back after the worker's short backoff and the video ends ready", async () => {
    // Well inside the queue's 600 s visibility timeout: only the backoff can bring it back.
    const { id, video: done } = await faulty("flaky", 120_000);
    expect(done.status).toBe("ready");
    expect(seenChunk.get(`${id}/1`)).toBe(2);
    const { Lifecycle } = await import("@rushes/core/lifecycle");
    const stored = await Lifecycle.video.load(id);
    expect([...(stored?.chunksDone ?? [])].sort()).toEqual([0, 1, 2]);
    expect(
      h.runtime.events.filter((e) => e.type === "video.ready" && e.properties.videoId === id),
    ).toHaveLength(1);
  }, 200_000);

  it("a stitch that fails once gives its claim back, so the chunk's prompt retry stitches", async () => {
    const { id, video: done } = await faulty("stitch-flaky", 120_000);
    expect(stitchFailed.has(id)).toBe(true);
    expect(done.status).toBe("ready");
    const history = await h.api(key, "GET", `/v1/videos/${id}/events`);
    expect(history.body.data.filter((e: { type: string }) => e.type === "ready")).toHaveLength(1);
    expect(
      h.runtime.events.filter((e) => e.type === "video.ready" && e.properties.videoId === id),
    ).toHaveLength(1);
    // The audio the failed stitch could not read is in the ladder the retry wrote.
    const audio = await assemble(id, "audio", join(dir, "stitch-flaky-audio.mp4"));
    expect((await packets(audio.path, "a:0")).length).toBeGreaterThan(0);
  }, 200_000);

  it("a chunk that always fails: the video ends failed with chunk_failed", async () => {
    // Three receives, two backoffs between them: the visibility timeout would take 20 minutes.
    const { id, video: done } = await faulty("fail", 300_000);
    expect(done.status).toBe("failed");
    expect(done.error.code).toBe("chunk_failed");
    expect(seenChunk.get(`${id}/1`)).toBe(3);
  }, 400_000);
});
