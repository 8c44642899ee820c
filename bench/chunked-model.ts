// The model behind `chunked.projectedHourSeconds`: an hour of 1080p through the chunked path on
// Lambda, from rates this run measured and constants it has to assume.
import { Chunks, type Plan, Storyboard } from "@rushes/core/media";
import { Storage } from "@rushes/core/storage";

/** A cost with a part paid once per run (seconds) and a part per second of source. */
export type Fit = { fixed: number; perSecond: number };

/**
 * What the bench measured on this machine, per second of source unless named otherwise, so each
 * scales to an hour by multiplying. CPU is CPU-seconds, walls are seconds, sizes are bytes.
 */
export type Measured = {
  /** The source's bytes (its bitrate ÷ 8). */
  sourceBytes: number;
  /**
   * Not per second: ingest's own work, `Probe.details` (ffprobe over the index, then the first
   * and last frames decoded), the chunk plan and the VTT. CPU per run (see `measureChunked`).
   */
  ingestCpu: number;
  /**
   * Encoding chunks to every rung, their audio, tiles and thumbnails (`ChunkTranscode.encode`,
   * ffmpeg + node), each read from its seek point: CPU per chunk second.
   */
  chunkCpu: number;
  /** Every rung's segments, and the audio's (what the workers write). */
  ladderBytes: number;
  audioBytes: number;
  /**
   * Per storyboard tile, not per second: its JPEG (a worker PUTs it, the stitch GETs it), and
   * the stitch's `sheetsFromTiles` (CPU) and sheets (bytes) per tile.
   */
  tile: { bytes: number; sheetsCpu: number; sheetBytes: number };
  /** Not per second: the thumbnails one worker makes (files, bytes). */
  thumbnails: { files: number; bytes: number };
  /**
   * Per MP4 download: its rung's segments (the stitch reads them), the MP4, and the remux's wall
   * (`FfmpegTranscoder.download`, I/O more than CPU; the downloads at once, as the stitch runs
   * them), fitted over the whole and the first chunk.
   */
  downloads: { name: string; rungBytes: number; mp4Bytes: number; remuxWall: Fit }[];
  /** Not per second: the ladder's rungs. */
  rungs: number;
};

/** What the model cannot measure here. Each is a stated guess, not a measurement. */
export const assumed = {
  /** Ingest and ChunkWorker at 10,240 MB, infra's default: Lambda gives 6 vCPU. */
  vcpus: 6,
  /**
   * Of those 6, what one ffmpeg ladder keeps busy: infra/processing.ts's own estimate (~4.6),
   * not measured on Lambda. The chunk encode spreads over them; ingest's probe and the stitch's
   * sheets are one short process each, so their CPU here is their wall there.
   */
  effectiveVcpus: 4.6,
  /** A Lambda vCPU's speed ÷ one core of this machine. Unknown, so 1:1. */
  speedRatio: 1,
  /** Per function start: ingest's, then the chunk workers' (all at once). */
  coldStartSeconds: 1,
  /** S3 reads and writes per function, however many streams: about 100 MB/s. */
  transferBytesPerSecond: 100e6,
  /**
   * The move into `sources/` is S3 copying inside itself (`Storage.copy`): above one part,
   * 512 MiB part copies, sixteen at once. Each part copy is assumed to run at this rate, the
   * transfer rate again; S3 publishes none.
   */
  copyBytesPerSecond: 100e6,
  /** First byte of any one S3, DynamoDB or SQS request. */
  requestSeconds: 0.03,
  /** Every chunk's worker starts at once: concurrency ≥ chunks, SQS's scale-up ramp ignored. */
  chunksAtOnce: true,
  /**
   * The hour's keyframes every 2 s like the camera source: a worker's seek lands on the
   * keyframe before its lead, so it reads up to one GOP more than its stretch and lead.
   */
  gopSeconds: 2,
};
export type Assumed = typeof assumed;

/** A worker seeks this far before its chunk's start (ChunkTranscode's `leadMs`: audio pre-roll and margin). */
const leadSeconds = 1.6;

/**
 * The projected wall time, in seconds, of a source `seconds` long, from the ingest invocation to
 * `ready`, step after step as production runs an MP4/MOV (H = seconds; r = transfer rate; q =
 * request latency; n = chunks; L = the longest chunk; T = storyboard tiles in all, t = the
 * longest chunk's, S = sheets; segs(x) = ceil(x / 6 s); v = speedRatio):
 *
 *   ingest        cold start + copy(H·sourceBytes)                   (uploads/ → sources/, in S3)
 *                 + 4·q + ingestCpu / v                              (probe by ranges, plan, VTT)
 *                 + (3 + ceil(n / 10))·q                             (VTT, record, SQS)
 *   chunk worker  cold start + q                                     (its byte range of the source:
 *                   + (L + lead + gop)·sourceBytes / r                  lead 1.6 s, up to a GOP more)
 *                 + L·chunkCpu / (effectiveVcpus·v)                  (every rung, audio, tiles)
 *                 + (rungs + 1)·segs(L)·q / 8                        (segments, eight PUTs at a time)
 *                   + L·(ladderBytes + audioBytes) / r
 *                 + (t + thumbnails)·q / 8 + stills' bytes / r       (its tiles; the thumbnails too)
 *                 + 4·q                                              (load, manifest, done, claim)
 *   stitch        n·q / 8 + (rungs + 2)·q                            (manifests; playlists, master)
 *                 + T·q / 8 + T·tile.bytes / r                       (the tiles)
 *                 + T·sheetsCpu / v + S·q / 8 + T·sheetBytes / r     (the sheets)
 *                 + 2·q                                              (the ladder stored, fan-out)
 *   download      max over downloads, each its own job at once:
 *                   cold start + 2·q                                 (load, the ladder)
 *                   + 2·(segs(H) + 1)·q / 8 + H·(rungBytes + audioBytes) / r   (fetch)
 *                   + remuxWall(H) / v                               (fixed + H·perSecond)
 *                   + q + H·mp4Bytes / r + 4·q                       (upload; record, claim)
 *   finish        (downloads + 3)·q                                  (their records, ready, work/)
 *
 * copy(B) = q + B / copyRate up to one part (P = 512 MiB); above, head and create (2·q), then
 * ceil(ceil(B / P) / 16) rounds of part copies, each q + P / copyRate, then complete (q).
 *
 * Chunks run at once and the last to finish stitches, so the chunk step counts once (the longest).
 * A worker's read is counted apart from its encode although ffmpeg streams it: an upper bound.
 */
export function project(
  m: Measured,
  options: {
    seconds: number;
    chunkSeconds: number;
    segmentSeconds: number;
    /** The storyboard `Plan.storyboard` makes for a source `seconds` long. */
    storyboard: Plan.Storyboard;
  },
  a: Assumed = assumed,
) {
  const h = options.seconds;
  const r = a.transferBytesPerSecond;
  const q = a.requestSeconds;
  const v = a.speedRatio;
  const sb = options.storyboard;
  const segs = (seconds: number) => Math.ceil(seconds / options.segmentSeconds);
  const at = (fit: Fit) => fit.fixed + h * fit.perSecond;
  // As ingest plans an MP4: on the segment grid, no keyframes listed.
  const plan = Chunks.plan({
    durationMs: h * 1000,
    keyframesMs: [],
    chunkSeconds: options.chunkSeconds,
    segmentSeconds: options.segmentSeconds,
  });
  const lengths = plan.map((c) => (c.endMs - c.startMs) / 1000);
  const longest = lengths.indexOf(Math.max(...lengths));
  const length = lengths[longest]!;
  const c = plan[longest]!;
  const tiles = Storyboard.tilesIn(
    sb,
    c.startMs,
    longest === plan.length - 1 ? undefined : c.endMs,
  );

  const ingest = {
    coldStart: a.coldStartSeconds,
    sourceCopy: copySeconds(h * m.sourceBytes, a),
    probe: 4 * q + m.ingestCpu / v,
    fanOut: (3 + Math.ceil(plan.length / 10)) * q,
  };
  const chunk = chunkTerms(m, length, tiles.count, segs, a);
  const stitch = {
    manifestsAndPlaylists: (plan.length * q) / 8 + (m.rungs + 2) * q,
    tiles: (sb.count * q) / 8 + (sb.count * m.tile.bytes) / r,
    sheets:
      (sb.count * m.tile.sheetsCpu) / v +
      (sb.sheets.length * q) / 8 +
      (sb.count * m.tile.sheetBytes) / r,
    // The joined ladder stored, one message per download (ChunkedDownloads.fanOut).
    fanOut: 2 * q,
  };
  // Each download is its own job on its own function, all at once: the longest one counts.
  const jobs = m.downloads.map((d) => {
    const terms = {
      coldStart: a.coldStartSeconds,
      load: 2 * q,
      fetch: (2 * (segs(h) + 1) * q) / 8 + (h * (d.rungBytes + m.audioBytes)) / r,
      remux: at(d.remuxWall) / v,
      upload: q + (h * d.mp4Bytes) / r,
      record: 4 * q,
    };
    return { name: d.name, terms, seconds: sum(Object.values(terms)) };
  });
  const longestJob = jobs.reduce(
    (a, b) => (b.seconds > a.seconds ? b : a),
    jobs[0] ?? { name: "", terms: {}, seconds: 0 },
  );
  const download = longestJob.terms;
  const finish = {
    // The downloads' records read back, ready (which publishes), work/ deleted.
    ready: (m.downloads.length + 3) * q,
  };
  const steps = {
    ingest: sum(Object.values(ingest)),
    chunk: sum(Object.values(chunk)),
    stitch: sum(Object.values(stitch)),
    download: sum(Object.values(download)),
    finish: sum(Object.values(finish)),
  };
  return {
    seconds: sum(Object.values(steps)),
    plan,
    chunks: plan.length,
    longestChunkSeconds: length,
    steps,
    terms: { ingest, chunk, stitch, download, finish },
    longestDownload: longestJob.name,
    /** Ingest's /tmp: nothing. It probes the stored source by ranges and writes no copies. */
    ingestScratchBytes: 0,
  };
}

/**
 * One chunk worker's terms for a chunk `length` seconds long holding `tiles` storyboard tiles
 * (see `project`). It is counted as holding the thumbnails' instant too: an upper bound.
 */
export function chunkTerms(
  m: Measured,
  length: number,
  tiles: number,
  segs: (seconds: number) => number,
  a: Assumed = assumed,
) {
  const r = a.transferBytesPerSecond;
  const q = a.requestSeconds;
  const v = a.speedRatio;
  return {
    coldStart: a.coldStartSeconds,
    read: q + ((length + leadSeconds + a.gopSeconds) * m.sourceBytes) / r,
    encode: (length * m.chunkCpu) / (a.effectiveVcpus * v),
    write: ((m.rungs + 1) * segs(length) * q) / 8 + (length * (m.ladderBytes + m.audioBytes)) / r,
    // With chunks of one length, one of the longest may hold the thumbnails' instant.
    stills:
      ((tiles + m.thumbnails.files) * q) / 8 + (tiles * m.tile.bytes + m.thumbnails.bytes) / r,
    record: 4 * q,
  };
}

/** `Storage.copy` of `bytes`: one CopyObject up to a part, else rounds of sixteen part copies. */
export function copySeconds(bytes: number, a: Assumed = assumed) {
  const q = a.requestSeconds;
  if (bytes <= Storage.copyPartBytes()) return q + bytes / a.copyBytesPerSecond;
  const parts = Math.ceil(bytes / Storage.copyPartBytes());
  const rounds = Math.ceil(parts / Storage.copiesAtOnce);
  return 3 * q + rounds * (q + Storage.copyPartBytes() / a.copyBytesPerSecond);
}

/** The line through two (seconds, cost) points; proportional if noise puts it below zero. */
export function fitLine(short: [number, number], long: [number, number]): Fit {
  const perSecond = (long[1] - short[1]) / (long[0] - short[0]);
  const fixed = short[1] - short[0] * perSecond;
  if (perSecond <= 0 || fixed < 0) return { fixed: 0, perSecond: long[1] / long[0] };
  return { fixed, perSecond };
}

export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
