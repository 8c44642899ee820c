import { open } from "node:fs/promises";
import { MediaError } from "../error";
import { Ffmpeg } from "../ffmpeg/ffmpeg";

/**
 * Whether a source's frames are backed by its bytes, before anything is spent on them. Work
 * follows a source's frames and duration; a hostile file can declare hours of frames in a few
 * kilobytes. Two rules, each far from any real encoder's output:
 *
 * 1. **Bytes carry the duration.** At least `minBytesPerSecond` (32) bytes per second of the
 *    declared duration. x264 writes hundreds of bytes a second for a still scene at 320×240
 *    (each frame's slice headers, a keyframe every few seconds); 720 frames spread over 6 h in
 *    10 KB is half a byte a second.
 * 2. **No sample repeats another's data (MP4/MOV).** The sample tables' sizes (`stsz`, every
 *    track) must sum to at most the file's size: samples that overlap, such as 15,000 entries
 *    pointing at one 8.6 KB frame, sum past it. Fragmented MP4 keeps its sizes in `trun`
 *    boxes spread through the file; it is held to rule 1 only.
 *
 * Either failing is `rejected` with code `implausible_source`.
 */
export namespace Plausible {
  export const minBytesPerSecond = 32;
  export const code = "implausible_source";

  /** Throws `implausible_source` when `source`'s bytes cannot carry what it declares. */
  export function check(source: { bytes: number; durationMs: number; sampleBytes?: number }) {
    const seconds = source.durationMs / 1000;
    if (source.bytes < seconds * minBytesPerSecond) {
      throw new MediaError(
        code,
        `${source.bytes} bytes cannot carry ${Math.round(seconds)} s of video (at least ${minBytesPerSecond} bytes a second)`,
        true,
      );
    }
    if (source.sampleBytes !== undefined && source.sampleBytes > source.bytes) {
      throw new MediaError(
        code,
        `The sample table refers to ${source.sampleBytes} bytes of a ${source.bytes}-byte file: samples repeat the same data`,
        true,
      );
    }
  }

  type Read = (offset: number, length: number) => Promise<Uint8Array>;

  /** Largest `moov` read: an index for 6 h of 60 fps video with audio is a few MB. */
  const maxMoovBytes = 64 * 1024 ** 2;
  const maxTopLevelBoxes = 1000;

  /**
   * The sum of every `stsz` sample size in an MP4/MOV file (a local path or a URL read by
   * ranges), or undefined when it has no `moov` index to read (fragmented, or not MP4).
   */
  export async function sampleBytes(path: string, size: number): Promise<number | undefined> {
    const reader = await readerFor(path);
    try {
      const moov = await findMoov(reader.read, size);
      if (!moov) return undefined;
      return sumStsz(await reader.read(moov.start, moov.end - moov.start));
    } finally {
      await reader.close();
    }
  }

  async function findMoov(read: Read, size: number) {
    let at = 0;
    for (let i = 0; i < maxTopLevelBoxes && at + 8 <= size; i++) {
      const head = await read(at, 16);
      if (head.byteLength < 8) return undefined;
      const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
      let boxSize = view.getUint32(0);
      const type = String.fromCharCode(...head.subarray(4, 8));
      let header = 8;
      if (boxSize === 1 && head.byteLength >= 16) {
        boxSize = Number(view.getBigUint64(8));
        header = 16;
      } else if (boxSize === 0) {
        boxSize = size - at;
      }
      if (boxSize < header) return undefined;
      if (type === "moov") {
        if (boxSize > maxMoovBytes) return undefined;
        return { start: at + header, end: Math.min(size, at + boxSize) };
      }
      at += boxSize;
    }
    return undefined;
  }

  const containers = new Set(["trak", "mdia", "minf", "stbl"]);

  /** Sums the sample sizes of every `stsz` under the `moov` payload `data`. */
  export function sumStsz(data: Uint8Array): number {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let total = 0;
    const walk = (from: number, to: number) => {
      let at = from;
      while (at + 8 <= to) {
        let size = view.getUint32(at);
        const type = String.fromCharCode(...data.subarray(at + 4, at + 8));
        let header = 8;
        if (size === 1) {
          size = Number(view.getBigUint64(at + 8));
          header = 16;
        } else if (size === 0) size = to - at;
        if (size < header || at + size > to) return;
        const start = at + header;
        if (type === "stsz" && start + 12 <= at + size) {
          // Full box header (4), a uniform size (0 when sizes vary), then the count.
          const uniform = view.getUint32(start + 4);
          const count = view.getUint32(start + 8);
          if (uniform) total += uniform * count;
          else {
            const last = Math.min(count, Math.floor((at + size - start - 12) / 4));
            for (let i = 0; i < last; i++) total += view.getUint32(start + 12 + i * 4);
          }
        } else if (containers.has(type)) walk(start, at + size);
        at += size;
      }
    };
    walk(0, data.byteLength);
    return total;
  }

  async function readerFor(path: string): Promise<{ read: Read; close(): Promise<void> }> {
    if (Ffmpeg.isUrl(path)) {
      return {
        async read(offset, length) {
          const response = await fetch(path, {
            headers: { Range: `bytes=${offset}-${offset + length - 1}` },
          });
          if (!response.ok) {
            throw new MediaError(
              "source_unreadable",
              `Reading the source: ${response.status}`,
              false,
            );
          }
          const body = new Uint8Array(await response.arrayBuffer());
          // A server that ignores Range sends everything from 0.
          return response.status === 206 ? body : body.subarray(offset, offset + length);
        },
        async close() {},
      };
    }
    const file = await open(path, "r");
    return {
      async read(offset, length) {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await file.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      },
      close: () => file.close(),
    };
  }
}
