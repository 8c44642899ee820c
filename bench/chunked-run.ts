// The chunked transcode driven in-process on local files, with each step's wall and CPU.
import { copyFile, mkdir, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import {
  type ChunkAudio,
  Chunks,
  ChunkTranscode,
  FfmpegTranscoder,
  Hls,
  type Plan,
  Probe,
  Storyboard,
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

/** Production's steps for a long MP4/MOV: ingest (probe, plan, VTT), the chunks, the stitch. */
export const phases = ["ingest", "chunks", "stitch"] as const;
export type Phase = (typeof phases)[number];

export type Job = { sourcePath: string; probe: Probe.Info; plan: Plan; chunkSeconds: number };
export type Run = Awaited<ReturnType<typeof chunkedRun>>;
type Encoded = {
  dir: string;
  rungs: ChunkTranscode.ChunkRung[];
  audio?: ChunkAudio.Encoded;
  tiles: ChunkTranscode.Encoded["tiles"];
  thumbnails?: string[];
};

/**
 * Ingest's part for an MP4/MOV (`Ingest.process`, `Chunked.startRanged`): probe the source
 * (production passes a presigned URL; ffprobe reads the index by ranges either way), plan on the
 * segment grid without keyframes, write the storyboard's VTT. Nothing is copied or uploaded.
 */
export async function ingestRun(work: string, job: Job) {
  const start = mark();
  const details = await Probe.details(job.sourcePath);
  const chunks = Chunks.plan({
    durationMs: details.durationMs,
    keyframesMs: [],
    chunkSeconds: job.chunkSeconds,
    segmentSeconds: job.plan.hls.segmentSeconds,
    ...(details.frames === undefined ? {} : { packets: details.frames }),
  });
  await mkdir(work, { recursive: true });
  await writeFile(
    join(work, "storyboard.vtt"),
    Storyboard.vtt(job.plan.storyboard, details.durationMs),
  );
  return { startMs: details.startMs, chunks, cost: between(start, mark()) };
}

/** One chunked transcode as production runs an MP4: ingest, every chunk (`concurrency` at a time), the stitch. */
export async function chunkedRun(work: string, job: Job) {
  const { probe, plan, sourcePath } = job;
  const { startMs, chunks, cost: ingest } = await ingestRun(work, job);
  const ingested = mark();
  const encoded: Encoded[] = [];
  await pool(chunks, concurrency, async (chunk) => {
    const out = join(work, `chunk-${chunk.index}`);
    const { rungs, audio, tiles, thumbnails } = await ChunkTranscode.encode(
      {
        // A local path where production passes a presigned URL: ffmpeg seeks the same index.
        input: { kind: "source", path: sourcePath, formatName: probe.formatName },
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
  const stitched = await stitch(join(work, "stitch"), encoded, plan);
  const end = mark();
  // Outside the timing: each download remuxed again from the first chunk's segments only, so
  // the remux's cost per run can be told from its cost per second.
  const firstChunk = await remuxFirstChunk(join(work, "stitch"), encoded[0]!, plan);

  const rungBytes = (name: string) =>
    sum(encoded.map((e) => sum(rungOf(e, name).segments.map((s) => s.bytes))));
  const audioBytes = sum(encoded.map((e) => sum((e.audio?.segments ?? []).map((s) => s.bytes))));
  const tiles = encoded.flatMap((e) => e.tiles);
  const thumbnails = encoded.flatMap((e) => e.thumbnails ?? []);
  return {
    chunks,
    segments: Object.fromEntries(
      plan.hls.rungs.map((r) => [
        r.name,
        sum(encoded.map((e) => rungOf(e, r.name).segments.length)),
      ]),
    ),
    downloads: stitched.downloads.map((d, i) => ({ ...d, firstChunk: firstChunk[i]! })),
    phases: {
      ingest,
      chunks: between(ingested, chunksDone),
      stitch: between(chunksDone, end),
    } satisfies Record<Phase, Cost>,
    /** The stitch's `sheetsFromTiles` alone (part of the stitch phase). */
    sheets: stitched.sheets,
    bytes: {
      rungs: Object.fromEntries(plan.hls.rungs.map((r) => [r.name, rungBytes(r.name)])),
      audio: audioBytes,
      // What the workers PUT besides segments, and the stitch's sheets made from the tiles.
      tiles: { count: tiles.length, bytes: await bytesOf(tiles.map((t) => t.path)) },
      thumbnails: { count: thumbnails.length, bytes: await bytesOf(thumbnails) },
      sheets: stitched.sheetBytes,
    },
  };
}

const rungOf = (e: Encoded, name: string) => e.rungs.find((r) => r.name === name)!;

/**
 * The stitch's file work, in the order `Chunked.stitch` does it: playlists (the audio's too) and
 * master, the storyboard's sheets from the workers' tiles, then every MP4 download at once, each
 * in its own folder. Local copies stand in for its S3 reads; returns each MP4's remux.
 */
async function stitch(dir: string, encoded: Encoded[], plan: Plan) {
  const rungs = ChunkTranscode.joinLadder(encoded);
  const audio = plan.hls.audio ? ChunkTranscode.joinAudio(encoded) : undefined;
  await mkdir(dir, { recursive: true });
  for (const rung of [...rungs, ...(audio ? [audio] : [])]) {
    const text = ChunkTranscode.playlist(rung, plan.hls.segmentSeconds);
    await writeFile(join(dir, `${rung.name}.m3u8`), text);
  }
  await writeFile(join(dir, Hls.masterName), Hls.master(rungs, audio));

  const tiles = join(dir, "tiles");
  const sheets = join(dir, "sheets");
  await Promise.all([mkdir(tiles, { recursive: true }), mkdir(sheets, { recursive: true })]);
  for (const tile of encoded.flatMap((e) => e.tiles)) {
    await copyFile(tile.path, join(tiles, Storyboard.sheetName(tile.index)));
  }
  const sheetsStart = mark();
  await Storyboard.sheetsFromTiles(plan.storyboard, tiles, sheets);
  const sheetsCost = between(sheetsStart, mark());
  const sheetBytes = await bytesOf(
    plan.storyboard.sheets.map((_, i) => join(sheets, Storyboard.sheetName(i))),
  );

  const downloads = await Promise.all(
    plan.renditions.map(async (r) => {
      const rung = rungs.find((x) => x.name === r.name)!;
      // Where production fetches the rung's and the audio's files (`fetchRendition`).
      const hls = join(dir, `hls-${r.name}`);
      await gather(hls, r.name, [
        [rung.init, join(encoded[0]!.dir, r.name, rung.init)],
        ...encoded.flatMap((e) =>
          rungOf(e, r.name).segments.map((s) => [s.uri, join(e.dir, r.name, s.uri)] as const),
        ),
      ]);
      if (audio) await gather(hls, "audio", audioFiles(encoded));
      return { name: r.name, ...(await remux(hls, rung, audio, join(dir, `${r.name}.mp4`))) };
    }),
  );
  return { downloads, sheets: sheetsCost, sheetBytes };
}

/** Every chunk's audio files, as the stitch fetches them: the first chunk's init, all segments. */
const audioFiles = (encoded: Encoded[]) => [
  [encoded[0]!.audio!.init, join(encoded[0]!.dir, "audio", encoded[0]!.audio!.init)] as const,
  ...encoded.flatMap((e) =>
    (e.audio?.segments ?? []).map((s) => [s.uri, join(e.dir, "audio", s.uri)] as const),
  ),
];

/** The downloads again, at once as in the stitch, from the first chunk's files (already gathered). */
function remuxFirstChunk(dir: string, first: Encoded, plan: Plan) {
  const audio = first.audio ? ChunkTranscode.joinAudio([first]) : undefined;
  return Promise.all(
    plan.renditions.map((r) => {
      const rung = ChunkTranscode.joinLadder([first]).find((x) => x.name === r.name)!;
      return remux(join(dir, `hls-${r.name}`), rung, audio, join(dir, `${r.name}-first.mp4`));
    }),
  );
}

/** `FfmpegTranscoder.download` (join the fragments, remux with faststart) from `hls`. */
async function remux(hls: string, rung: Hls.Measured, audio: Hls.Audio | undefined, path: string) {
  const start = performance.now();
  await FfmpegTranscoder.download(hls, { rungs: [rung], audio, master: "" }, rung.name, path, {});
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
 * The split other containers take (`Chunked.start`), once, for `detail.chunked.split`: the
 * keyframe listing, the plan on those keyframes, then `ChunkTranscode.split` (one pass cutting
 * each chunk's audio to FLAC, and a stream copy per chunk). What an MP4's ranged reads avoid.
 */
export async function splitRun(work: string, job: Job) {
  const { sourcePath, probe, plan } = job;
  const start = mark();
  const { keyframesMs, packets } = await Chunks.keyframes(sourcePath, probe.formatName);
  const chunks = Chunks.plan({
    durationMs: probe.durationMs,
    keyframesMs,
    chunkSeconds: job.chunkSeconds,
    segmentSeconds: plan.hls.segmentSeconds,
    packets,
  });
  const out = await ChunkTranscode.split({ sourcePath, probe, plan, chunks }, join(work, "split"));
  const cost = between(start, mark());
  return {
    cost,
    copiedSeconds:
      sum(chunks.map((c) => Math.min(c.endMs + 1000, probe.durationMs) - c.readFromMs)) / 1000,
    bytes: { video: await bytesOf(out.chunks), audio: await bytesOf(out.audio ?? []) },
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
