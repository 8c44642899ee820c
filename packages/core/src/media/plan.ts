import { ObjectKeys } from "../storage/object-keys";
import type { Probe } from "./probe/probe";

/** What one video turns into, and where each output lands. Both transcoders follow it. */
export type Plan = {
  videoId: string;
  /** The adaptive ladder, the primary playback format. */
  hls: Plan.Hls;
  /** The MP4 downloads: the 720p and 480p rungs (or the one rung of a small source), remuxed. */
  renditions: Plan.Rendition[];
  storyboard: Plan.Storyboard;
  thumbnails: Plan.Thumbnail[];
  /** Where the representative frame is taken: past any fade-in, cheap to reach. */
  thumbnailAtMs: number;
  audio: boolean;
};

export namespace Plan {
  export type Size = { width: number; height: number };
  export type Rendition = Size & { name: string; key: string; maxBitrate: number };
  export type Thumbnail = Size & { key: string };
  export type Rung = Size & { name: string; maxBitrate: number };
  export type Hls = {
    masterKey: string;
    rungs: Rung[];
    /** Audio is one rendition of its own (`audio/`), shared by every rung; absent when silent. */
    audio?: { name: "audio"; bitrate: number; normalize?: Normalize };
    segmentSeconds: number;
    keyframeSeconds: number;
  };
  /**
   * Loudness normalisation: ffmpeg applies `gainDb` (one gain, measured once: `Loudness`) in the
   * single run and in every chunk; MediaConvert normalises to `targetLufs` itself.
   */
  export type Normalize = { targetLufs: number; gainDb: number };
  export type Storyboard = {
    key: string;
    /** One tile every this long: `max(2 s, duration / 200)`. */
    intervalMs: number;
    tile: Size;
    columns: number;
    rows: number;
    /** Tiles in all, and the sheets (`columns × rows` tiles each) that hold them. */
    count: number;
    sheets: string[];
  };

  /** What a video records about its storyboard once it is written (VideoItem.storyboard). */
  export function storyboardInfo(plan: Plan) {
    const { key, sheets, intervalMs, tile, count } = plan.storyboard;
    return { key, sheets, intervalMs, tileWidth: tile.width, tileHeight: tile.height, count };
  }

  /** The HLS ladder's short sides, like YouTube's: the short side is what "720p" means. */
  export const hlsLadder = [1080, 720, 480, 360] as const;
  /** The MP4 download renditions are these rungs of the ladder. */
  export const ladder = [720, 480] as const;
  /** The segment grid of the chunked path and MediaConvert. */
  export const segmentSeconds = 6;
  export const keyframeSeconds = 2;
  /**
   * ffmpeg's one run (sources too short to chunk) cuts a segment at every keyframe, which costs no
   * bytes: its first segments then close after 2 s of encoding rather than 6, so the video plays
   * while the rest encodes (`video.playable`), and viewers start on a smaller first segment.
   * ffmpeg cannot shorten only the first: `-hls_init_time` applies to every segment of a
   * playlist that keeps them all.
   */
  export const oneRunSegmentSeconds = keyframeSeconds;
  export const audioBitrate = 128_000;
  export const storyboardTileWidth = 160;
  const maxTilesPerSide = 10;

  export function forVideo(
    videoId: string,
    probe: Probe.Info,
    thumbnailWidths: number[],
    normalize?: Normalize,
    hlsSegmentSeconds: number = segmentSeconds,
  ): Plan {
    const rungs = rungSizes(probe).map((r) => ({
      ...r,
      maxBitrate: maxBitrate(Math.min(r.width, r.height)),
    }));
    return {
      videoId,
      hls: {
        masterKey: ObjectKeys.hlsMaster(videoId),
        rungs,
        ...(probe.audioCodec
          ? {
              audio: {
                name: "audio" as const,
                bitrate: audioBitrate,
                ...(normalize ? { normalize } : {}),
              },
            }
          : {}),
        segmentSeconds: hlsSegmentSeconds,
        keyframeSeconds,
      },
      renditions: downloads(rungs).map((r) => ({
        ...r,
        key: ObjectKeys.rendition(videoId, r.name),
      })),
      storyboard: storyboard(videoId, probe),
      thumbnails: thumbnailSizes(probe, thumbnailWidths).map((t) => ({
        ...t,
        key: ObjectKeys.thumbnail(videoId, t.width),
      })),
      thumbnailAtMs: thumbnailAt(probe.durationMs),
      audio: Boolean(probe.audioCodec),
    };
  }

  /** The MP4 renditions: the 720p and 480p rungs, or the ladder's top rung for a small source. */
  export function renditionSizes(source: Size): (Size & { name: string })[] {
    return downloads(rungSizes(source));
  }

  function downloads<T extends { name: string }>(rungs: T[]): T[] {
    const names: string[] = ladder.map((side) => `${side}p`);
    const picked = rungs.filter((r) => names.includes(r.name));
    return picked.length > 0 ? picked : rungs.slice(0, 1);
  }

  /**
   * The ladder's rungs, largest first, never upscaled. A source whose short side is below 360
   * gets one rung at its own short side (rounded down to even), so every video plays.
   */
  export function rungSizes(source: Size): (Size & { name: string })[] {
    return sizesFor(source, hlsLadder);
  }

  /**
   * One tile every `max(2 s, duration / 200)` (so at most ~200 tiles, however long the video),
   * 160 px wide, on sheets of up to 10 × 10 tiles; a short video gets one smaller sheet.
   */
  export function storyboard(videoId: string, probe: Probe.Info): Storyboard {
    const intervalMs = Math.max(2000, Math.ceil(probe.durationMs / 200));
    const count = Math.max(1, Math.ceil(probe.durationMs / intervalMs));
    const columns = Math.min(maxTilesPerSide, count);
    const rows = Math.min(maxTilesPerSide, Math.ceil(count / columns));
    const sheetCount = Math.ceil(count / (columns * rows));
    const width = storyboardTileWidth;
    return {
      key: ObjectKeys.storyboard(videoId),
      intervalMs,
      tile: { width, height: even((width * probe.height) / probe.width) },
      columns,
      rows,
      count,
      sheets: Array.from({ length: sheetCount }, (_, i) => ObjectKeys.storyboardSheet(videoId, i)),
    };
  }

  function sizesFor(source: Size, sidesWanted: readonly number[]): (Size & { name: string })[] {
    const portrait = source.height > source.width;
    const short = portrait ? source.width : source.height;
    const long = portrait ? source.height : source.width;
    const rungs = sidesWanted.filter((rung) => rung <= short);
    const sides = rungs.length > 0 ? rungs : [Math.max(2, Math.floor(short / 2) * 2)];
    return sides.map((side) => {
      const other = even((side * long) / short);
      return {
        name: `${side}p`,
        ...(portrait ? { width: side, height: other } : { width: other, height: side }),
      };
    });
  }

  /** Each requested width, capped at the source width; widths above it collapse into one. */
  export function thumbnailSizes(source: Size, widths: number[]): Size[] {
    const capped = [...new Set(widths.map((w) => Math.min(w, source.width)))].sort((a, b) => a - b);
    return capped.map((width) => ({
      width,
      height: Math.max(1, Math.round((width * source.height) / source.width)),
    }));
  }

  export function thumbnailAt(durationMs: number): number {
    return Math.round(Math.min(durationMs * 0.25, 10_000));
  }

  /** A ceiling for CRF/QVBR so a noisy source cannot blow up the web rendition. */
  export function maxBitrate(shortSide: number): number {
    if (shortSide >= 1080) return 8_000_000;
    if (shortSide >= 720) return 5_000_000;
    if (shortSide >= 480) return 2_500_000;
    return 1_200_000;
  }

  /** H.264 in 4:2:0 needs even dimensions. */
  function even(value: number): number {
    return Math.max(2, Math.round(value / 2) * 2);
  }
}
