import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { MediaError } from "../error";
import type { Hls } from "../hls/hls";
import type { ChunkAudio } from "./chunk-audio";

/**
 * The stitch of a chunked transcode, without ffmpeg: the whole video's ladder joined from each
 * chunk's rungs, its media playlists, and where a download reads each rendition's files.
 */
export namespace ChunkLadder {
  export type ChunkRung = {
    name: string;
    codec: string;
    width: number;
    height: number;
    init: string;
    segments: (Hls.Segment & { bytes: number })[];
  };

  /**
   * The rungs of the whole video from each chunk's: segments in chunk order, rated like
   * `Hls.measure` rates a single run's (peak over segments of at least a second, average overall).
   */
  export function joinLadder(chunks: { rungs: ChunkRung[] }[]): Hls.Measured[] {
    const first = chunks[0]?.rungs ?? [];
    return first.map((rung) => {
      const segments = chunks.flatMap((c) => {
        const same = c.rungs.find((r) => r.name === rung.name);
        if (!same) throw new MediaError("ffmpeg_failed", `A chunk has no ${rung.name} rung`, false);
        return same.segments;
      });
      const { name, codec, width, height, init } = rung;
      return { name, codec, width, height, init, ...rated(segments) };
    });
  }

  /** The audio rendition of the whole video from each chunk's (`ChunkAudio`), as `joinLadder`. */
  export function joinAudio(
    chunks: { audio?: Omit<ChunkAudio.Encoded, "segments"> & { segments: Sized[] } }[],
  ): Hls.Audio {
    const first = chunks[0]?.audio;
    if (!first || chunks.some((c) => !c.audio)) {
      throw new MediaError("ffmpeg_failed", "A chunk has no audio", false);
    }
    const { name, codec, channels, init } = first;
    return { name, codec, channels, init, ...rated(chunks.flatMap((c) => c.audio!.segments)) };
  }

  type Sized = Hls.Segment & { bytes: number };

  function rated(segments: Sized[]) {
    let peak = 0;
    let bits = 0;
    let total = 0;
    for (const s of segments) {
      bits += s.bytes * 8;
      total += s.duration;
      peak = Math.max(peak, (s.bytes * 8) / Math.max(s.duration, 1));
    }
    return {
      peakBitrate: Math.ceil(peak),
      averageBitrate: Math.ceil(bits / Math.max(total, 0.001)),
      segments: segments.map(({ uri, duration }) => ({ uri, duration })),
    };
  }

  /**
   * A VOD media playlist in the form ffmpeg's hls muxer writes it; or, while chunks still encode,
   * an EVENT one of the segments so far, without ENDLIST, that players reload as it grows.
   */
  export function playlist(
    rung: Pick<Hls.Measured, "init" | "segments">,
    segmentSeconds: number,
    type: "VOD" | "EVENT" = "VOD",
  ) {
    const target = Math.max(segmentSeconds, ...rung.segments.map((s) => Math.round(s.duration)));
    const lines = [
      "#EXTM3U",
      "#EXT-X-VERSION:7",
      `#EXT-X-TARGETDURATION:${target}`,
      "#EXT-X-MEDIA-SEQUENCE:0",
      `#EXT-X-PLAYLIST-TYPE:${type}`,
      "#EXT-X-INDEPENDENT-SEGMENTS",
      `#EXT-X-MAP:URI="${rung.init}"`,
      ...rung.segments.flatMap((s) => [`#EXTINF:${s.duration.toFixed(6)},`, s.uri]),
      ...(type === "VOD" ? ["#EXT-X-ENDLIST"] : []),
    ];
    return `${lines.join("\n")}\n`;
  }

  /**
   * Where `FfmpegTranscoder.download` reads a rendition: its init and segments under
   * `dir/{name}/`, each with the local path to fetch it to. Makes the folder; fetching (from the
   * bucket) is the caller's.
   */
  export async function renditionPaths(
    rendition: Pick<Hls.Measured, "name" | "init" | "segments">,
    dir: string,
  ) {
    await mkdir(join(dir, rendition.name), { recursive: true });
    const files = [rendition.init, ...rendition.segments.map((s) => s.uri)];
    return files.map((file) => ({ file, path: join(dir, rendition.name, file) }));
  }
}
