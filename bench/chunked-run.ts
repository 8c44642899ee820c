// The chunked transcode driven in-process on local files, with each step's wall and CPU.
import { copyFile, mkdir, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import {
  type ChunkAudio,
  Chunks,
  ChunkTranscode,
  Ffmpeg,
  FfmpegTranscoder,
  Hls,
  type Plan,
  type Probe,
} from "@rushes/core/media";
import { childrenCpuMs } from "./lib";

/** As the embedded runtime polls the chunk queue (packages/local/src/runtime.ts). */
export const concurrency =
  Number(process.env.RUSHES_LOCAL_CHUNK_CONCURRENCY) || availableParallelism();

/** A point in time with the CPU used so far, by child processes (ffmpeg, ffprobe) and by this one. */
type Mark = { at: number; child: number; node: NodeJS.CpuUsage };
export const mark = (): Mark => ({
  at: performance.now(),
  child: childrenCpuMs(),
  node: process.cpuUsage(),
});

/** Wall and CPU between two marks, in ms. */
export type Cost = { wall: number; cpu: number; child: number; node: number };
export function between(a: Mark, b: Mark): Cost {
  const child = b.child - a.child;
  const node = (b.node.user - a.node.user + b.node.system - a.node.system) / 1000;
  return { wall: b.at - a.at, cpu: child + node, child, node };
}

export const phases = ["keyframes", "pass", "copies", "chunks", "stitch"] as const;
export type Phase = (typeof phases)[number];

export type Job = { sourcePath: string; probe: Probe.Info; plan: Plan; chunkSeconds: number };
export type Split = Awaited<ReturnType<typeof splitRun>>;
export type Run = Awaited<ReturnType<typeof chunkedRun>>;
type Encoded = {
  dir: string;
  rungs: ChunkTranscode.ChunkRung[];
  audio?: ChunkAudio.Encoded;
  tiles: ChunkTranscode.Encoded["tiles"];
  thumbnails?: string[];
};

/** Ingest's part: the keyframes, the chunk plan, and the split (its pass, then its copies). */
export async function splitRun(work: string, job: Job) {
  const { sourcePath, probe, plan } = job;
  const start = mark();
  const { startMs, keyframesMs } = await Chunks.keyframes(sourcePath, probe.formatName);
  const keyframed = mark();
  const chunks = Chunks.plan({
    durationMs: probe.durationMs,
    keyframesMs,
    chunkSeconds: job.chunkSeconds,
    segmentSeconds: plan.hls.segmentSeconds,
  });
  const copies = watchCopies();
  const out = await ChunkTranscode.split(
    { sourcePath, probe, plan, chunks },
    join(work, "split"),
  ).finally(copies.stop);
  const end = mark();
  return {
    startMs,
    chunks,
    out,
    phases: {
      keyframes: between(start, keyframed),
      pass: between(keyframed, copies.from ?? end),
      copies: between(copies.from ?? end, end),
    },
  };
}

/** One chunked transcode: the split, every chunk (`concurrency` at a time), the stitch. */
export async function chunkedRun(work: string, job: Job) {
  const { probe, plan } = job;
  const { startMs, chunks, out: split, phases: splitPhases } = await splitRun(work, job);
  const splitDone = mark();
  const encoded: Encoded[] = [];
  await pool(chunks, concurrency, async (chunk) => {
    const out = join(work, `chunk-${chunk.index}`);
    const audioPath = split.audio?.[chunk.index];
    const { rungs, audio, tiles, thumbnails } = await ChunkTranscode.encode(
      {
        input: {
          kind: "copy",
          chunkPath: split.chunks[chunk.index]!,
          ...(audioPath ? { audioPath } : {}),
        },
        chunk,
        sourceStartMs: startMs,
        rotation: probe.rotation ?? 0,
        probe,
        plan,
        last: chunk.index === chunks.length - 1,
      },
      out,
    );
    // The worker's manifest: each segment's size, for the stitch's bitrates.
    const sized = async (r: Hls.Measured) => ({
      ...r,
      segments: await Promise.all(
        r.segments.map(async (s) => ({ ...s, bytes: await bytesOf([join(out, r.name, s.uri)]) })),
      ),
    });
    encoded[chunk.index] = {
      dir: out,
      rungs: await Promise.all(rungs.map(sized)),
      ...(audio ? { audio } : {}),
      tiles,
      ...(thumbnails ? { thumbnails } : {}),
    };
  });
  const chunksDone = mark();
  const downloads = await stitch(join(work, "stitch"), encoded, plan);
  const end = mark();
  // Outside the timing: each download remuxed again from the first chunk's segments only, so
  // the remux's cost per run can be told from its cost per second.
  const firstChunk = await remuxFirstChunk(join(work, "stitch"), encoded[0]!, plan);

  const rungBytes = (name: string) =>
    sum(encoded.map((e) => sum(rungOf(e, name).segments.map((s) => s.bytes))));
  const audioBytes = sum(encoded.map((e) => sum((e.audio?.segments ?? []).map((s) => s.bytes))));
  return {
    chunks,
    segments: Object.fromEntries(
      plan.hls.rungs.map((r) => [
        r.name,
        sum(encoded.map((e) => rungOf(e, r.name).segments.length)),
      ]),
    ),
    downloads: downloads.map((d, i) => ({ ...d, firstChunk: firstChunk[i]! })),
    phases: {
      ...splitPhases,
      chunks: between(splitDone, chunksDone),
      stitch: between(chunksDone, end),
    } satisfies Record<Phase, Cost>,
    bytes: {
      // What ingest uploads per chunk and its worker reads: the copy and the audio cut.
      copies: await bytesOf([...split.chunks, ...(split.audio ?? [])]),
      rungs: Object.fromEntries(plan.hls.rungs.map((r) => [r.name, rungBytes(r.name)])),
      audio: audioBytes,
      // The workers' tiles and thumbnails (the stitch's sheets are about the same bytes again).
      stills: await bytesOf(
        encoded.flatMap((e) => [...e.tiles.map((t) => t.path), ...(e.thumbnails ?? [])]),
      ),
    },
  };
}

const rungOf = (e: Encoded, name: string) => e.rungs.find((r) => r.name === name)!;

/** The stitch's file work, in the order `Chunked.stitch` does it; returns each MP4's remux. */
async function stitch(dir: string, encoded: Encoded[], plan: Plan) {
  const rungs = ChunkTranscode.joinLadder(encoded);
  await mkdir(dir, { recursive: true });
  for (const rung of rungs) {
    const text = ChunkTranscode.playlist(rung, plan.hls.segmentSeconds);
    await writeFile(join(dir, `${rung.name}.m3u8`), text);
  }
  const audio = plan.hls.audio ? ChunkTranscode.joinAudio(encoded) : undefined;
  await writeFile(join(dir, Hls.masterName), Hls.master(rungs, audio));
  const downloads: { name: string; seconds: number; mp4Bytes: number; remuxMs: number }[] = [];
  for (const r of plan.renditions) {
    const rung = rungs.find((x) => x.name === r.name)!;
    // Where production fetches the rung's and the audio's files from S3 (`fetchRendition`).
    const hls = join(dir, "hls");
    await gather(hls, r.name, [
      [rung.init, join(encoded[0]!.dir, r.name, rung.init)],
      ...encoded.flatMap((e) =>
        rungOf(e, r.name).segments.map((s) => [s.uri, join(e.dir, r.name, s.uri)] as const),
      ),
    ]);
    if (audio) await gather(hls, "audio", audioFiles(encoded));
    downloads.push({ name: r.name, ...(await remux(dir, rung, audio, r.name)) });
  }
  return downloads;
}

/** Every chunk's audio files, as the stitch fetches them: the first chunk's init, all segments. */
const audioFiles = (encoded: Encoded[]) => [
  [encoded[0]!.audio!.init, join(encoded[0]!.dir, "audio", encoded[0]!.audio!.init)] as const,
  ...encoded.flatMap((e) =>
    (e.audio?.segments ?? []).map((s) => [s.uri, join(e.dir, "audio", s.uri)] as const),
  ),
];

async function remuxFirstChunk(dir: string, first: Encoded, plan: Plan) {
  const out = [];
  for (const r of plan.renditions) {
    const rung = ChunkTranscode.joinLadder([first]).find((x) => x.name === r.name)!;
    const audio = first.audio ? ChunkTranscode.joinAudio([first]) : undefined;
    out.push(await remux(dir, rung, audio, r.name));
  }
  return out;
}

/** `FfmpegTranscoder.download` (join the fragments, remux with faststart) from `dir/hls`. */
async function remux(dir: string, rung: Hls.Measured, audio: Hls.Audio | undefined, name: string) {
  const path = join(dir, `${name}.mp4`);
  const start = performance.now();
  await FfmpegTranscoder.download(
    join(dir, "hls"),
    { rungs: [rung], audio, master: "" },
    name,
    path,
    {},
  );
  return {
    seconds: sum(rung.segments.map((s) => s.duration)),
    mp4Bytes: (await stat(path)).size,
    remuxMs: performance.now() - start,
  };
}

async function gather(hls: string, name: string, files: (readonly [string, string])[]) {
  await mkdir(join(hls, name), { recursive: true });
  for (const [file, from] of files) await copyFile(from, join(hls, name, file));
}

/**
 * When the split's first stream copy starts: its whole-source pass has ended then, so the split
 * can be parted into that pass and the copies without copying its code here. `ChunkTranscode`
 * calls `Ffmpeg.run` through the namespace object, so wrapping it there sees each spawn.
 */
function watchCopies() {
  const original = Ffmpeg.run;
  const seen: { from?: Mark } = {};
  Object.assign(Ffmpeg, {
    run: (bin: Ffmpeg.Bin, args: string[], opts?: Ffmpeg.RunOptions) => {
      if (!seen.from && args.includes("copy")) seen.from = mark();
      return original(bin, args, opts);
    },
  });
  return {
    get from() {
      return seen.from;
    },
    stop: () => {
      Object.assign(Ffmpeg, { run: original });
    },
  };
}

/** Runs `task` over `items`, at most `size` at a time. */
async function pool<T>(items: T[], size: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}

export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export async function bytesOf(paths: string[]) {
  return sum(await Promise.all(paths.map((p) => stat(p).then((s) => s.size))));
}
