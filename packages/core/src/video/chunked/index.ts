import { Config } from "../../config";
import { Chunks, Ffmpeg, type Probe } from "../../media";
import { Chunk } from "./chunk";
import { Downloads } from "./downloads";
import { FanOut } from "./fan-out";
import { ChunkedMessage } from "./message";

/**
 * The chunked transcode of a long source, as one path: ingest splits it and fans the chunks out
 * over the chunk queue (`FanOut`); each chunk worker encodes its stretch to every rung (`Chunk`);
 * the worker that completes the set stitches the playlists (`Stitch`) and hands the MP4
 * downloads to their own jobs (`Downloads`), the last of which marks the video `ready`. Every
 * end goes through `Outcome`; the sets and their claims are `Parts`.
 */
export namespace Chunked {
  export const Message = ChunkedMessage.Message;
  export type Message = ChunkedMessage.Message;

  /** Whether a source takes this path: rotated ones too (the message carries the rotation). */
  export function applies(probe: Probe.Info): boolean {
    return Chunks.splits(probe.durationMs, Config.get().RUSHES_CHUNK_SECONDS);
  }

  /**
   * Whether the chunk workers can read their stretches straight from the stored source: an
   * MP4/MOV, whose index lets ffmpeg seek by byte ranges and times every audio sample exactly.
   * Other containers are split first (`start`).
   */
  export function ranged(probe: Probe.Info): boolean {
    return Ffmpeg.demuxer(probe.formatName) === "mov";
  }

  /** Ingest's part for a long MP4/MOV, probed by ranges (`FanOut.ranged`). */
  export const startRanged = FanOut.ranged;
  /** Ingest's part for a long source in another container, downloaded (`FanOut.split`). */
  export const start = FanOut.split;

  /** One message from the chunk queue: a chunk to encode, or then one MP4 download to build. */
  export async function run(message: Message, lastAttempt: boolean) {
    if ("download" in message) return Downloads.run(message, lastAttempt);
    return Chunk.run(message, lastAttempt);
  }

  /** The longest a failed chunk waits: far below the chunk queue's visibility timeout. */
  const maxRetrySeconds = 300;

  /**
   * How long a failed chunk stays hidden: `baseSeconds` after its first receive, twice that after
   * its second, and so on up to `maxRetrySeconds`; the upper half is random, so chunks that
   * failed together (a throttled bucket) do not all come back at once.
   */
  export function retryDelaySeconds(receives: number, baseSeconds: number, random = Math.random) {
    const full = Math.min(baseSeconds * 2 ** Math.max(0, receives - 1), maxRetrySeconds);
    return Math.max(1, Math.ceil(full / 2 + random() * (full / 2)));
  }

  /**
   * Brings a failed chunk's next receive forward: SQS would otherwise hide it for the whole
   * visibility timeout (6 × the worker's timeout, an hour in AWS), which is there for a worker
   * that is killed and so never gets to call this.
   */
  export async function retrySoon(receipt: string, receives: number) {
    const seconds = retryDelaySeconds(receives, Config.get().RUSHES_CHUNK_RETRY_SECONDS);
    await ChunkedMessage.queue.retryIn(receipt, seconds);
    return seconds;
  }
}
