// The model behind `chunked.projectedHourSeconds`: an hour of 1080p through the chunked path on
// Lambda, from rates this run measured and constants it has to assume.
import { Chunks } from "@rushes/core/media";

/** A cost with a part paid once per run (seconds) and a part per second of source. */
export type Fit = { fixed: number; perSecond: number };

/**
 * What the bench measured on this machine, per second of source unless named otherwise, so each
 * scales to an hour by multiplying. CPU is CPU-seconds, walls are seconds, sizes are bytes.
 */
export type Measured = {
  /** The source's bytes (its bitrate ÷ 8). */
  sourceBytes: number;
  /** ffprobe listing the keyframes (`Chunks.keyframes`): CPU, fitted over two source lengths. */
  keyframesCpu: Fit;
  /** The split's whole-source pass (keyframe storyboard, thumbnails, each chunk's audio cut): CPU, fitted. */
  passCpu: Fit;
  /** The split's stream copies (`ChunkTranscode.split` starts them all at once): CPU per copied second. */
  copiesCpu: number;
  /** Per copied second: a chunk's copy with its 1 s tail, and its audio cut (FLAC), which its worker reads. */
  copyBytes: number;
  /** Encoding chunks to every rung and their audio (`ChunkTranscode.encode`, ffmpeg + node): CPU per chunk second. */
  chunkCpu: number;
  /** Every rung's segments, and the audio's (what the workers write). */
  ladderBytes: number;
  audioBytes: number;
  /**
   * Per MP4 download: its rung's segments (the stitch reads them), the MP4, and the remux's wall
   * (`FfmpegTranscoder.download`, I/O more than CPU), fitted over the whole and the first chunk.
   */
  downloads: { name: string; rungBytes: number; mp4Bytes: number; remuxWall: Fit }[];
  /** Not per second: the thumbnails' and storyboard sheets' bytes (well under a MB). */
  stillsBytes: number;
  /** Not per second: the ladder's rungs. */
  rungs: number;
};

/** What the model cannot measure here. Each is a stated guess, not a measurement. */
export const assumed = {
  /** Ingest and ChunkWorker at 10,240 MB, infra's default: Lambda gives 6 vCPU. */
  vcpus: 6,
  /**
   * Of those 6, what one ffmpeg ladder keeps busy: infra/processing.ts's own estimate (~4.6),
   * not measured on Lambda. The chunk encode and the split's copies (one ffmpeg per chunk, all
   * at once) spread over them; the ingest pass and the keyframe listing are one thread's work
   * (ffmpeg up to 6 filters and encodes on one thread), so their CPU here is their wall there.
   */
  effectiveVcpus: 4.6,
  /** A Lambda vCPU's speed ÷ one core of this machine. Unknown, so 1:1. */
  speedRatio: 1,
  /** Per function start: ingest's, then the chunk workers' (all at once). */
  coldStartSeconds: 1,
  /** S3 reads and writes per function, however many streams: about 100 MB/s. */
  transferBytesPerSecond: 100e6,
  /** The upload's server-side CopyObject into `sources/`: assumed at the same rate. */
  copyBytesPerSecond: 100e6,
  /** First byte of any one S3, DynamoDB or SQS request. */
  requestSeconds: 0.03,
  /** Every chunk's worker starts at once: concurrency ≥ chunks, SQS's scale-up ramp ignored. */
  chunksAtOnce: true,
  /** The hour's keyframes, for its chunk plan: every 2 s like the camera source. */
  gopSeconds: 2,
};
export type Assumed = typeof assumed;

/** ChunkTranscode copies each chunk this far past its end (its `tailMs`). */
const copyTailSeconds = 1;

/**
 * The projected wall time, in seconds, of a source `seconds` long, from the ingest invocation to
 * `ready`, step after step as production runs them (H = seconds; r = transfer rate; q = request
 * latency; n = chunks; L = the longest chunk; C = seconds copied in all, each chunk plus its 1 s
 * tail; c = the longest chunk's copy; segs(x) = ceil(x / 6 s); v = speedRatio):
 *
 *   ingest        cold start + q + H·sourceBytes / copyRate          (uploads/ → sources/)
 *                 + q + H·sourceBytes / r                            (download it whole)
 *                 + (keyframesCpu + passCpu)(H) / v                  (fixed + H·perSecond)
 *                 + C·copiesCpu / (effectiveVcpus·v)                 (disk not modelled)
 *                 + q + (C·copyBytes + stillsBytes) / r              (chunks and stills, in parallel)
 *                 + (3 + ceil(n / 10))·q                             (VTT, record, SQS)
 *   chunk worker  cold start + q + c·copyBytes / r                   (read its copy)
 *                 + L·chunkCpu / (effectiveVcpus·v)                  (every rung, and the audio)
 *                 + (rungs + 1)·segs(L)·q / 8                        (segments, eight PUTs at a time)
 *                   + L·(ladderBytes + audioBytes) / r
 *                 + 4·q                                              (load, manifest, done, claim)
 *   stitch        (n + rungs + 2)·q                                  (manifests, playlists, master)
 *                 + Σ downloads: 2·(segs(H) + 1)·q / 8 + H·(rungBytes + audioBytes) / r
 *                                + remuxWall(H) / v + q + H·mp4Bytes / r
 *                 + 3·q                                              (ready, work/ cleanup)
 *
 * Chunks run at once and the last to finish stitches, so the chunk step counts once (the longest).
 * `withoutCopies` is the byte-range alternative on the same inputs: no stream copies and no
 * chunk objects to upload; each worker reads its range of the source, the same bytes.
 */
export function project(
  m: Measured,
  options: { seconds: number; chunkSeconds: number; segmentSeconds: number },
  a: Assumed = assumed,
) {
  const h = options.seconds;
  const r = a.transferBytesPerSecond;
  const q = a.requestSeconds;
  const v = a.speedRatio;
  const segs = (seconds: number) => Math.ceil(seconds / options.segmentSeconds);
  const at = (fit: Fit) => fit.fixed + h * fit.perSecond;
  const gopMs = a.gopSeconds * 1000;
  const plan = Chunks.plan({
    durationMs: h * 1000,
    keyframesMs: Array.from({ length: Math.ceil((h * 1000) / gopMs) }, (_, i) => i * gopMs),
    chunkSeconds: options.chunkSeconds,
    segmentSeconds: options.segmentSeconds,
  });
  const lengths = plan.map((c) => (c.endMs - c.startMs) / 1000);
  const copies = plan.map(
    (c) => Math.min(c.endMs / 1000 + copyTailSeconds, h) - c.readFromMs / 1000,
  );
  const longest = lengths.indexOf(Math.max(...lengths));
  const copied = sum(copies);

  const ingest = {
    coldStart: a.coldStartSeconds,
    sourceCopy: q + (h * m.sourceBytes) / a.copyBytesPerSecond,
    download: q + (h * m.sourceBytes) / r,
    keyframes: at(m.keyframesCpu) / v,
    pass: at(m.passCpu) / v,
    copies: (copied * m.copiesCpu) / (a.effectiveVcpus * v),
    uploadChunks: q + (copied * m.copyBytes + m.stillsBytes) / r,
    fanOut: (3 + Math.ceil(plan.length / 10)) * q,
  };
  const length = lengths[longest]!;
  const chunk = {
    coldStart: a.coldStartSeconds,
    read: q + (copies[longest]! * m.copyBytes) / r,
    encode: (length * m.chunkCpu) / (a.effectiveVcpus * v),
    write: ((m.rungs + 1) * segs(length) * q) / 8 + (length * (m.ladderBytes + m.audioBytes)) / r,
    record: 4 * q,
  };
  const stitch = {
    manifestsAndPlaylists: (plan.length + m.rungs + 2) * q,
    fetch: sum(
      m.downloads.map((d) => (2 * (segs(h) + 1) * q) / 8 + (h * (d.rungBytes + m.audioBytes)) / r),
    ),
    remux: sum(m.downloads.map((d) => at(d.remuxWall) / v)),
    upload: sum(m.downloads.map((d) => q + (h * d.mp4Bytes) / r)),
    ready: 3 * q,
  };
  const steps = {
    ingest: sum(Object.values(ingest)),
    chunk: sum(Object.values(chunk)),
    stitch: sum(Object.values(stitch)),
  };
  const total = steps.ingest + steps.chunk + steps.stitch;
  return {
    seconds: total,
    withoutCopies: total - ingest.copies - (copied * m.copyBytes) / r,
    chunks: plan.length,
    longestChunkSeconds: length,
    steps,
    terms: { ingest, chunk, stitch },
    /** Ingest's /tmp: the source and its copies (the 3.5 × source check in front is stricter). */
    ingestScratchBytes: h * m.sourceBytes + copied * m.copyBytes,
  };
}

/** The line through two (seconds, cost) points; proportional if noise puts it below zero. */
export function fitLine(short: [number, number], long: [number, number]): Fit {
  const perSecond = (long[1] - short[1]) / (long[0] - short[0]);
  const fixed = short[1] - short[0] * perSecond;
  if (perSecond <= 0 || fixed < 0) return { fixed: 0, perSecond: long[1] / long[0] };
  return { fixed, perSecond };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
