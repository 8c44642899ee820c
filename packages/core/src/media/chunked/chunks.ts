import { Ffmpeg } from "../ffmpeg/ffmpeg";

/**
 * Where a long source is cut for the chunked transcode. Pure (`plan`), apart from reading the
 * source's keyframe times, which needs no decode: ffprobe lists packets and their key flags.
 *
 * Every chunk starts on the HLS segment grid, so each chunk's output begins a new segment and
 * the chunks' segments, numbered on from the chunk before, make one ladder. Chunks are re-encoded,
 * so a boundary need not be a source keyframe; where one is near, the boundary moves onto it and
 * the chunk decodes nothing it throws away. Otherwise (sparse keyframes) the chunk is copied from
 * the keyframe before its start and its worker decodes from there and trims.
 */
export namespace Chunks {
  export type Chunk = {
    index: number;
    /** The stretch of the source this chunk's output covers: [startMs, endMs). */
    startMs: number;
    endMs: number;
    /** The keyframe the copy starts from (≤ startMs); equal to startMs when keyframe-aligned. */
    readFromMs: number;
    /** The number of the chunk's first HLS segment. */
    firstSegment: number;
  };

  /** A keyframe this close to a grid point counts as on it (timestamps are rounded in files). */
  const toleranceMs = 1;

  /**
   * Chunk 0 is this many segments long when the chunks are longer: its worker finishes in
   * seconds, so the first segments are playable long before a full chunk would be encoded
   * (`Live.publish`). One more, short, worker costs a few percent of one chunk's CPU.
   */
  export const firstChunkSegments = 1;

  /** Whether a source this long takes the chunked path. */
  export function splits(durationMs: number, chunkSeconds: number): boolean {
    return durationMs > chunkSeconds * 2 * 1000;
  }

  /**
   * What a chunk must hold to be worth a worker, per second of the configured chunk length: a
   * source sparser than this (a few frames or bytes spread over hours: the hostile gap files)
   * gets longer chunks, so each still holds this much, or no split at all. 5 frames a second is
   * below any camera's rate; 8 KiB a second (64 kbit/s) is below any real encode of a moving
   * picture, and a static scene's few bytes are cheap to transcode in fewer, longer chunks.
   */
  export const minFramesPerChunkSecond = 5;
  export const minBytesPerChunkSecond = 8 * 1024;

  /**
   * The chunk length (ms, on the segment grid) at which each chunk holds enough frames and bytes:
   * the configured length, or longer for a sparse source.
   */
  export function chunkLengthMs(input: {
    durationMs: number;
    chunkSeconds: number;
    segmentSeconds: number;
    packets?: number;
    bytes?: number;
  }): number {
    const { durationMs, chunkSeconds, segmentSeconds } = input;
    const segmentMs = segmentSeconds * 1000;
    const configured = Math.max(1, Math.round(chunkSeconds / segmentSeconds)) * segmentMs;
    // Content per ms of timeline, and how long a stretch must be to hold a chunk's minimum.
    const holding = (amount: number | undefined, perChunkSecond: number) =>
      amount === undefined
        ? 0
        : amount <= 0
          ? Number.POSITIVE_INFINITY
          : (perChunkSecond * chunkSeconds * durationMs) / amount;
    const needed = Math.max(
      configured,
      holding(input.packets, minFramesPerChunkSecond),
      holding(input.bytes, minBytesPerChunkSecond),
    );
    if (!Number.isFinite(needed)) return Number.POSITIVE_INFINITY;
    return Math.ceil(needed / segmentMs) * segmentMs;
  }

  /**
   * The chunks, or a single one for a source that is not split. Boundaries are multiples of the
   * segment length: the one nearest each multiple of the chunk length, or a grid point one
   * segment either side when a keyframe sits there and not at the nearest. Chunk 0 is
   * `firstChunkSegments` long, so the video is playable early; the grid after it is unchanged.
   *
   * Work must be backed by the source's content: each chunk holds at least
   * `minFramesPerChunkSecond` frames and `minBytesPerChunkSecond` bytes per second of the
   * configured chunk length (`chunkLengthMs` stretches the chunks until it does). A source too
   * sparse for two such chunks takes the single run, bounded by its frames, not its length.
   */
  export function plan(input: {
    durationMs: number;
    keyframesMs: number[];
    chunkSeconds: number;
    segmentSeconds: number;
    /** The source's video packets (frames), when known. */
    packets?: number;
    /** The source's size in bytes, when known. */
    bytes?: number;
  }): Chunk[] {
    const { durationMs, segmentSeconds } = input;
    const segmentMs = segmentSeconds * 1000;
    const keyframes = [...input.keyframesMs].sort((a, b) => a - b);
    const isKeyframe = (ms: number) => keyframes.some((k) => Math.abs(k - ms) <= toleranceMs);
    const lengthMs = chunkLengthMs(input);

    const starts = [0];
    const configuredMs = Math.max(1, Math.round(input.chunkSeconds / segmentSeconds)) * segmentMs;
    const shortFirstMs = firstChunkSegments * segmentMs;
    if (splits(durationMs, lengthMs / 1000)) {
      // Not for a sparse source, whose stretched chunks are sized to hold enough content.
      if (lengthMs === configuredMs && lengthMs > shortFirstMs) starts.push(shortFirstMs);
      for (let target = lengthMs; target < durationMs; target += lengthMs) {
        const candidates = [target, target - segmentMs, target + segmentMs];
        const start = candidates.find(isKeyframe) ?? target;
        // No chunk shorter than a segment, at the end or between two moved boundaries.
        if (start - starts.at(-1)! < segmentMs || durationMs - start < segmentMs) continue;
        starts.push(start);
      }
    }
    return starts.map((startMs, index) => {
      const before = keyframes.filter((k) => k <= startMs + toleranceMs);
      return {
        index,
        startMs,
        endMs: starts[index + 1] ?? durationMs,
        // No keyframes listed (a worker reading the source by ranges seeks to one itself).
        readFromMs: keyframes.length ? Math.min(startMs, before.at(-1) ?? 0) : startMs,
        firstSegment: startMs / segmentMs,
      };
    });
  }

  /**
   * The first video stream's keyframe times in ms from the source's start, from packet flags
   * (`K`): a demux, no decode, cheap even for hours of 1080p.
   */
  export async function keyframes(
    path: string,
    formatName: string,
  ): Promise<{ startMs: number; keyframesMs: number[]; packets: number }> {
    const input = Ffmpeg.input(path, formatName);
    const { stdout } = await Ffmpeg.run("ffprobe", [
      ...["-v", "error", "-select_streams", "v:0"],
      ...["-show_entries", "format=start_time:packet=pts_time,flags", "-of", "csv=p=0"],
      ...input,
    ]);
    return parseKeyframes(stdout);
  }

  /** ffprobe's csv: `pts_time,flags` per packet, then the format's `start_time`. */
  export function parseKeyframes(csv: string): {
    startMs: number;
    keyframesMs: number[];
    packets: number;
  } {
    const lines = csv.trim().split("\n");
    const startMs = Math.round(Number.parseFloat(lines.pop() ?? "0") * 1000) || 0;
    const keyframesMs: number[] = [];
    for (const line of lines) {
      const [pts, flags] = line.split(",");
      if (!flags?.startsWith("K") || !pts || pts === "N/A") continue;
      keyframesMs.push(Math.round(Number.parseFloat(pts) * 1000) - startMs);
    }
    return { startMs, keyframesMs: keyframesMs.sort((a, b) => a - b), packets: lines.length };
  }
}
