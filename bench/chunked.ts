// Chunked figures: a long MP4 probed, its chunks encoded side by side from their own stretches
// of it and stitched, against the single run of the same source; and the hour on Lambda
// projected from what that measured.
import { mkdtemp, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { Config } from "@rushes/core/config";
import { Ffmpeg, FfmpegTranscoder, Plan, Probe } from "@rushes/core/media";
import { assumed, fitLine, type Measured, project } from "./chunked-model";
import {
  between,
  bytesOf,
  type Cost,
  chunkedRun,
  concurrency,
  ingestRun,
  type Job,
  mark,
  type Phase,
  phases,
  type Run,
  splitRun,
  sum,
} from "./chunked-run";
import { alternate, median, pairedRatio, progress, quick, round, scratch } from "./lib";
import { source } from "./media";

/** The long source (three camera sources back to back) and RUSHES_CHUNK_SECONDS for it. */
export const long = { seconds: 3 * source.seconds, chunkSeconds: quick ? 6 : 15 };

const widths = [300, 640, 1500, 3000];

/** Samples of ingest alone per source: each is a fraction of a second, so one would be noise. */
const ingestSamples = quick ? 3 : 5;

export interface ChunkedResult {
  cpuOverhead: number;
  speedupLocal: number;
  projectedHourSeconds: number;
  /** The model's inputs, for `playable`'s projection (bench/playable.ts). */
  measured: Measured;
  detail: Record<string, unknown>;
}

/**
 * The same functions production runs for an MP4, in-process on local files (`chunked-run.ts`):
 * `Probe.details`, `Chunks.plan` and the VTT for ingest, `ChunkTranscode.encode` per chunk
 * reading the source itself (a local path where production passes a presigned URL), and the
 * stitch's `joinLadder`/`joinAudio`, playlists, master, `Storyboard.sheetsFromTiles` and the
 * `FfmpegTranscoder.download`s at once. What `video/chunked/` adds around them is S3, SQS and
 * DynamoDB; on the embedded stand-ins that would time s3rver and fauxqs in this process, not S3
 * and Lambda, so the model prices those steps instead. The single run is
 * `FfmpegTranscoder.render`: the same outputs, on local files.
 */
export async function measureChunked(camera: string, rounds: number): Promise<ChunkedResult> {
  const dir = await scratch("chunked");
  const sourcePath = await longSource(camera);
  const job: Job = { sourcePath, ...(await jobOf(sourcePath)) };
  const seconds = job.probe.durationMs / 1000;

  const single: Cost[] = [];
  const chunked: Run[] = [];
  let singleSegments: Record<string, number> = {};
  const variants = {
    single: async () => {
      const work = await mkdtemp(join(dir, "single-"));
      const start = mark();
      const out = await FfmpegTranscoder.render({ ...job, workDir: work });
      single.push(between(start, mark()));
      singleSegments = Object.fromEntries(out.ladder.rungs.map((r) => [r.name, r.segments.length]));
      await rm(work, { recursive: true, force: true });
    },
    chunked: async () => {
      const work = await mkdtemp(join(dir, "chunked-"));
      chunked.push(await chunkedRun(work, job));
      await rm(work, { recursive: true, force: true });
    },
  };
  progress(
    `chunked: ${seconds} s 1080p in ${long.chunkSeconds} s chunks, ${concurrency} at once, vs the single run, ${rounds} round(s)`,
  );
  await alternate("chunked", rounds, variants);

  // Ingest alone, a few times on the camera source (a third as long) and on the long one,
  // alternating, outside the paired runs (it is too small to pair). Its cost is per run: two
  // processes, the first and last frames decoded. Only the index it parses grows with the
  // source, and that stays under the clock's 10 ms tick at 90 s (ffprobe alone took about 0.1
  // CPU-s on 8, 30 and 90 s alike here), so a line through the two medians would fit noise and
  // scale it 40 times for the hour. The long source's median is the per-run cost; the short
  // one's is kept beside it (detail.chunked.medianSeconds.ingestCpu) to show it does not grow.
  const short: Job = { sourcePath: camera, ...(await jobOf(camera)) };
  const ingestCpu = { short: [] as number[], long: [] as number[] };
  for (let i = 0; i < ingestSamples; i++) {
    for (const [key, which] of [
      ["short", short],
      ["long", job],
    ] as const) {
      const work = await mkdtemp(join(dir, "ingest-"));
      ingestCpu[key].push((await ingestRun(work, which)).cost.cpu / 1000);
      await rm(work, { recursive: true, force: true });
    }
  }

  // The split other containers take, once: what the ranged reads avoid for an MP4.
  const splitWork = await mkdtemp(join(dir, "split-"));
  progress("  chunked: the split other containers take, once, for detail.chunked.split");
  const split = await splitRun(splitWork, job);
  await rm(splitWork, { recursive: true, force: true });

  const last = chunked.at(-1)!;
  if (JSON.stringify(last.segments) !== JSON.stringify(singleSegments)) {
    progress(
      `  chunked: segments differ: ${JSON.stringify({ singleSegments, last: last.segments })}`,
    );
  }

  const med = (pick: (r: Run) => number) => median(chunked.map(pick)) / 1000;
  const phase = (p: Phase, key: keyof Cost) => med((r) => r.phases[p][key]);
  const total = (r: Run, key: keyof Cost) => sum(phases.map((p) => r.phases[p][key]));
  const shortSeconds = short.probe.durationMs / 1000;
  const tiles = job.plan.storyboard.count;
  const measured: Measured = {
    sourceBytes: (await bytesOf([sourcePath])) / seconds,
    ingestCpu: median(ingestCpu.long),
    chunkCpu: phase("chunks", "cpu") / seconds,
    ladderBytes: sum(Object.values(last.bytes.rungs)) / seconds,
    audioBytes: last.bytes.audio / seconds,
    tile: {
      bytes: last.bytes.tiles.bytes / Math.max(1, last.bytes.tiles.count),
      sheetsCpu: med((r) => r.sheets.cpu) / tiles,
      sheetBytes: last.bytes.sheets / tiles,
    },
    thumbnails: { files: last.bytes.thumbnails.count, bytes: last.bytes.thumbnails.bytes },
    downloads: last.downloads.map((d, i) => ({
      name: d.name,
      rungBytes: last.bytes.rungs[d.name]! / seconds,
      mp4Bytes: d.mp4Bytes / seconds,
      remuxWall: fitLine(
        [d.firstChunk.seconds, med((r) => r.downloads[i]!.firstChunk.remuxMs)],
        [d.seconds, med((r) => r.downloads[i]!.remuxMs)],
      ),
    })),
    rungs: job.plan.hls.rungs.length,
  };
  const hour = {
    seconds: 3600,
    segmentSeconds: job.plan.hls.segmentSeconds,
    storyboard: Plan.storyboard("vid_bench", { ...job.probe, durationMs: 3600 * 1000 }),
  };
  const chunkSeconds = Config.get().RUSHES_CHUNK_SECONDS;
  const model = project(measured, { ...hour, chunkSeconds });
  const asMeasured = project(measured, { ...hour, chunkSeconds: long.chunkSeconds });
  const singleWall = median(single.map((c) => c.wall)) / 1000;
  const singleCpu = median(single.map((c) => c.cpu)) / 1000;
  const seconds2 = (wall: number, cpu: number) => ({ wall: round(wall, 2), cpu: round(cpu, 2) });

  return {
    cpuOverhead: round(
      pairedRatio(
        chunked.map((r) => total(r, "cpu")),
        single.map((c) => c.cpu),
      ),
    ),
    speedupLocal: round(
      pairedRatio(
        single.map((c) => c.wall),
        chunked.map((r) => total(r, "wall")),
      ),
    ),
    projectedHourSeconds: round(model.seconds, 1),
    measured,
    detail: {
      source: {
        seconds,
        bytes: await bytesOf([sourcePath]),
        mbps: round((measured.sourceBytes * 8) / 1e6, 1),
        made: `the ${source.seconds} s camera source looped 3 times, stream copy`,
      },
      chunkSeconds: long.chunkSeconds,
      chunks: last.chunks.map((c) => (c.endMs - c.startMs) / 1000),
      concurrency,
      segments: { single: singleSegments, chunked: last.segments },
      medianSeconds: {
        single: seconds2(singleWall, singleCpu),
        chunked: seconds2(
          med((r) => total(r, "wall")),
          med((r) => total(r, "cpu")),
        ),
        phases: Object.fromEntries(
          phases.map((p) => [p, seconds2(phase(p, "wall"), phase(p, "cpu"))]),
        ),
        sheets: seconds2(
          med((r) => r.sheets.wall),
          med((r) => r.sheets.cpu),
        ),
        ffmpegCpu: {
          single: round(median(single.map((c) => c.child)) / 1000, 2),
          chunked: round(
            med((r) => total(r, "child")),
            2,
          ),
        },
        // Ingest alone, CPU: the long source's median is the model's ingestCpu.
        ingestCpu: {
          [`${shortSeconds}s`]: round(median(ingestCpu.short), 3),
          [`${seconds}s`]: round(median(ingestCpu.long), 3),
        },
      },
      // What an MP4's ranged reads avoid: the split other containers take (keyframe listing,
      // FLAC audio cuts, a stream copy per chunk, all of which ingest uploads and the workers
      // download), against the single run; one run of it.
      split: {
        wallVsSingle: round(split.cost.wall / 1000 / singleWall),
        cpuVsSingle: round(split.cost.cpu / 1000 / singleCpu),
        seconds: seconds2(split.cost.wall / 1000, split.cost.cpu / 1000),
        copiedSeconds: round(split.copiedSeconds, 2),
        copyBytes: split.bytes,
      },
      model: {
        hourSeconds: hour.seconds,
        chunkSeconds,
        measured: roundAll(measured, 5),
        assumed,
        seconds: round(model.seconds, 1),
        steps: roundAll(model.steps),
        terms: roundAll(model.terms),
        longestDownload: model.longestDownload,
        chunks: model.chunks,
        [`with${long.chunkSeconds}sChunksSeconds`]: round(asMeasured.seconds, 1),
        ingestScratchBytes: model.ingestScratchBytes,
        // The hour's ladder in one run on one function, for scale (Lambda stops at 900 s).
        singleRunEncodeSeconds: Math.round(
          (hour.seconds * singleCpu) / seconds / assumed.effectiveVcpus,
        ),
      },
      rounds,
    },
  };
}

/**
 * The camera source three times over, by stream copy: 90 s (24 s quick) of the same grain and
 * bitrate in a second, where a fresh encode of 90 s of noise takes minutes on two cores. Video
 * and audio loop apart: looped together, each pass would start after the audio's last frame
 * (16 ms past the video's), and the 2 s keyframe grid would drift off the chunk boundaries. The
 * audio stops before the video ends: a source a few ms past its last boundary gets a last chunk
 * of one segment, cut from the one before (`Chunks.plan`), and the figure is about whole chunks.
 */
async function longSource(camera: string): Promise<string> {
  const path = join(await scratch("media"), `source-camera-${source.height}p-${long.seconds}s.mp4`);
  if (await bytesOf([path]).catch(() => 0)) return path;
  await Ffmpeg.run("ffmpeg", [
    ...["-v", "error", "-y", "-stream_loop", "2", "-an", "-i", camera],
    ...["-stream_loop", "2", "-t", String(long.seconds - 0.02), "-vn", "-i", camera],
    ...[
      "-map",
      "0:v",
      "-map",
      "1:a",
      "-c",
      "copy",
      "-movflags",
      "+faststart",
      `${path}.partial.mp4`,
    ],
  ]);
  await rename(`${path}.partial.mp4`, path);
  return path;
}

async function jobOf(sourcePath: string) {
  const probe = await Probe.file(sourcePath);
  return {
    probe,
    plan: Plan.forVideo("vid_bench", probe, widths),
    chunkSeconds: long.chunkSeconds,
  };
}

const roundAll = <T extends object>(value: T, digits = 2): T =>
  JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "number" ? round(v, digits) : v)));
