// Chunked figures: a long source split, its chunks encoded side by side and stitched, against the
// single run of the same source; and the hour on Lambda projected from what that measured.
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
  mark,
  type Phase,
  phases,
  type Run,
  type Split,
  splitRun,
  sum,
} from "./chunked-run";
import { alternate, median, pairedRatio, progress, quick, round, scratch } from "./lib";
import { source } from "./media";

/** The long source (three camera sources back to back) and RUSHES_CHUNK_SECONDS for it. */
export const long = { seconds: 3 * source.seconds, chunkSeconds: quick ? 6 : 15 };

const widths = [300, 640, 1500, 3000];

export interface ChunkedResult {
  cpuOverhead: number;
  speedupLocal: number;
  projectedHourSeconds: number;
  detail: Record<string, unknown>;
}

/**
 * The same functions production runs, in-process on local files (`chunked-run.ts`):
 * `Chunks.keyframes` and `Chunks.plan`, `ChunkTranscode.split`, `ChunkTranscode.encode` per
 * chunk, and the stitch's `joinLadder`, playlists, master and `FfmpegTranscoder.download`. What
 * `video/chunked.ts` adds around them is S3, SQS and DynamoDB; on the embedded stand-ins that
 * would time s3rver and fauxqs in this process, not S3 and Lambda, so the model prices those
 * steps instead. The single run is `FfmpegTranscoder.render`: the same outputs, on local files.
 */
export async function measureChunked(camera: string, rounds: number): Promise<ChunkedResult> {
  const dir = await scratch("chunked");
  const sourcePath = await longSource(camera);
  const job = { sourcePath, ...(await jobOf(sourcePath)) };
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

  // The split again on the camera source (a third as long), to tell its cost per run from its
  // cost per second of source.
  const short = { sourcePath: camera, ...(await jobOf(camera)) };
  const shortSplits: Split[] = [];
  for (let i = 0; i < rounds; i++) {
    const work = await mkdtemp(join(dir, "short-"));
    shortSplits.push(await splitRun(work, short));
    await rm(work, { recursive: true, force: true });
  }

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
  const splitFit = (p: "keyframes" | "pass") =>
    fitLine(
      [shortSeconds, median(shortSplits.map((s) => s.phases[p].cpu)) / 1000],
      [seconds, phase(p, "cpu")],
    );
  const copied =
    sum(last.chunks.map((c) => Math.min(c.endMs + 1000, job.probe.durationMs) - c.readFromMs)) /
    1000;
  const measured: Measured = {
    sourceBytes: (await bytesOf([sourcePath])) / seconds,
    keyframesCpu: splitFit("keyframes"),
    passCpu: splitFit("pass"),
    copiesCpu: phase("copies", "cpu") / copied,
    copyBytes: last.bytes.copies / copied,
    chunkCpu: phase("chunks", "cpu") / seconds,
    ladderBytes: sum(Object.values(last.bytes.rungs)) / seconds,
    audioBytes: last.bytes.audio / seconds,
    downloads: last.downloads.map((d, i) => ({
      name: d.name,
      rungBytes: last.bytes.rungs[d.name]! / seconds,
      mp4Bytes: d.mp4Bytes / seconds,
      remuxWall: fitLine(
        [d.firstChunk.seconds, med((r) => r.downloads[i]!.firstChunk.remuxMs)],
        [d.seconds, med((r) => r.downloads[i]!.remuxMs)],
      ),
    })),
    stillsBytes: last.bytes.stills,
    rungs: job.plan.hls.rungs.length,
  };
  const hour = { seconds: 3600, segmentSeconds: job.plan.hls.segmentSeconds };
  const chunkSeconds = Config.get().RUSHES_CHUNK_SECONDS;
  const model = project(measured, { ...hour, chunkSeconds });
  const asMeasured = project(measured, { ...hour, chunkSeconds: long.chunkSeconds });
  const singleWall = median(single.map((c) => c.wall)) / 1000;
  const singleCpu = median(single.map((c) => c.cpu)) / 1000;
  const split = (key: keyof Cost) =>
    phase("keyframes", key) + phase("pass", key) + phase("copies", key);
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
    detail: {
      source: {
        seconds,
        bytes: await bytesOf([sourcePath]),
        mbps: round((measured.sourceBytes * 8) / 1e6, 1),
        made: `the ${source.seconds} s camera source looped 3 times, stream copy`,
      },
      chunkSeconds: long.chunkSeconds,
      chunks: last.chunks.map((c) => ({
        seconds: (c.endMs - c.startMs) / 1000,
        keyframeAligned: c.readFromMs === c.startMs,
      })),
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
        ffmpegCpu: {
          single: round(median(single.map((c) => c.child)) / 1000, 2),
          chunked: round(
            med((r) => total(r, "child")),
            2,
          ),
        },
      },
      // Byte-range reads vs the split: the split against the single run, and its stream copies
      // alone, which byte-range reads would not make (nor upload, nor hold in ingest's /tmp).
      split: {
        wallVsSingle: round(split("wall") / singleWall),
        cpuVsSingle: round(split("cpu") / singleCpu),
        copiesWallVsSingle: round(phase("copies", "wall") / singleWall),
        copiesCpuVsSingle: round(phase("copies", "cpu") / singleCpu),
        copiedSeconds: round(copied, 2),
        copyBytes: last.bytes.copies,
      },
      model: {
        hourSeconds: hour.seconds,
        chunkSeconds,
        measured: roundAll(measured, 5),
        assumed,
        seconds: round(model.seconds, 1),
        steps: roundAll(model.steps),
        terms: roundAll(model.terms),
        chunks: model.chunks,
        withoutCopiesSeconds: round(model.withoutCopies, 1),
        [`with${long.chunkSeconds}sChunksSeconds`]: round(asMeasured.seconds, 1),
        ingestScratchBytes: Math.round(model.ingestScratchBytes),
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
