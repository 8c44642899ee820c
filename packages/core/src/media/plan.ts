import { ObjectKeys } from "../storage/object-keys";
import type { Probe } from "./probe";

/** What one video turns into, and where each output lands. Both transcoders follow it. */
export type Plan = {
  videoId: string;
  renditions: Plan.Rendition[];
  thumbnails: Plan.Thumbnail[];
  /** Where the representative frame is taken: past any fade-in, cheap to reach. */
  thumbnailAtMs: number;
  audio: boolean;
};

export namespace Plan {
  export type Size = { width: number; height: number };
  export type Rendition = Size & { name: string; key: string; maxBitrate: number };
  export type Thumbnail = Size & { key: string };

  /** Target short sides, like YouTube's ladder: the short side is what "720p" means. */
  export const ladder = [720, 480] as const;

  export function forVideo(videoId: string, probe: Probe.Info, thumbnailWidths: number[]): Plan {
    return {
      videoId,
      renditions: renditionSizes(probe).map((r) => ({
        ...r,
        key: ObjectKeys.rendition(videoId, r.name),
        maxBitrate: maxBitrate(Math.min(r.width, r.height)),
      })),
      thumbnails: thumbnailSizes(probe, thumbnailWidths).map((t) => ({
        ...t,
        key: ObjectKeys.thumbnail(videoId, t.width),
      })),
      thumbnailAtMs: thumbnailAt(probe.durationMs),
      audio: Boolean(probe.audioCodec),
    };
  }

  /** Never upscaled: a source below every rung gets one rendition at its own short side. */
  export function renditionSizes(source: Size): (Size & { name: string })[] {
    const portrait = source.height > source.width;
    const short = portrait ? source.width : source.height;
    const long = portrait ? source.height : source.width;
    const rungs = ladder.filter((rung) => rung <= short);
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
    if (shortSide >= 720) return 5_000_000;
    if (shortSide >= 480) return 2_500_000;
    return 1_200_000;
  }

  /** H.264 in 4:2:0 needs even dimensions. */
  function even(value: number): number {
    return Math.max(2, Math.round(value / 2) * 2);
  }
}
