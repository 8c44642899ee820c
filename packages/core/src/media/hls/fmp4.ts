import { MediaError } from "../error";

/**
 * Retiming fMP4 media segments in place. A chunk is encoded from its own zero (so its init
 * segment is byte-identical to every other chunk's: no edit list for an offset), then each of
 * its segments is moved to the chunk's place in the video by adding the offset to the decode
 * time of every fragment (`moof/traf/tfdt`) and to the segment index's earliest presentation
 * time (`sidx`). Nothing else in a fragment is absolute, so the chunks' segments then play, and
 * join into one fragmented MP4, as if a single run had written them.
 */
export namespace Fmp4 {
  /** The media timescale of the first track in an init segment (`moov/trak/mdia/mdhd`). */
  export function timescale(init: Uint8Array): number {
    const view = new DataView(init.buffer, init.byteOffset, init.byteLength);
    const mdhd = find(view, 0, init.byteLength, ["moov", "trak", "mdia", "mdhd"]);
    if (mdhd === undefined) throw new MediaError("ffmpeg_failed", "init segment: no mdhd", false);
    const version = view.getUint8(mdhd + 8);
    return view.getUint32(mdhd + (version === 1 ? 28 : 20));
  }

  /**
   * Moves every fragment of `segment` later by `offsetMs`; `timescale` is its track's (from the
   * init). Returns a copy. Offsets are whole segments, so the tick counts are exact integers.
   */
  export function shift(segment: Uint8Array, offsetMs: number, timescale: number): Uint8Array {
    const out = new Uint8Array(segment);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    const ticks = (scale: number) => Math.round((offsetMs * scale) / 1000);
    for (const [type, at, size] of boxes(view, 0, out.byteLength)) {
      // sidx: version/flags, reference_ID, its own timescale, then earliest_presentation_time.
      if (type === "sidx") {
        if (size < 24) throw new MediaError("ffmpeg_failed", "sidx: too short", false);
        add(view, at + 8, at + size, "sidx", ticks(view.getUint32(at + 16)), 12);
      }
      if (type !== "moof") continue;
      for (const [child, cAt, cSize] of boxes(view, at + 8, at + size)) {
        if (child !== "traf") continue;
        for (const [leaf, lAt, lSize] of boxes(view, cAt + 8, cAt + cSize)) {
          if (leaf === "tfdt") add(view, lAt + 8, lAt + lSize, "tfdt", ticks(timescale), 4);
        }
      }
    }
    return out;
  }

  /**
   * Adds to a full box's 32- or 64-bit time field (by its version), `skip` bytes into its body,
   * which ends at `end`.
   */
  function add(
    view: DataView,
    body: number,
    end: number,
    name: string,
    ticks: number,
    skip: number,
  ) {
    const version = view.getUint8(body);
    const at = body + skip;
    if (body >= end || at + (version === 1 ? 8 : 4) > end) {
      throw new MediaError("ffmpeg_failed", `${name}: too short for its time field`, false);
    }
    if (version === 1) {
      view.setBigUint64(at, view.getBigUint64(at) + BigInt(ticks));
    } else {
      const value = view.getUint32(at) + ticks;
      if (value > 0xffffffff) throw new MediaError("ffmpeg_failed", `${name} overflows`, false);
      view.setUint32(at, value);
    }
  }

  function* boxes(view: DataView, start: number, end: number): Generator<[string, number, number]> {
    let at = start;
    while (at + 8 <= end) {
      let size = view.getUint32(at);
      const type = String.fromCharCode(...[4, 5, 6, 7].map((i) => view.getUint8(at + i)));
      if (size === 1) {
        // A 64-bit size follows the type; a box too short to hold it ends the walk.
        if (at + 16 > end) return;
        size = Number(view.getBigUint64(at + 8));
      } else if (size === 0) size = end - at;
      if (size < 8 || at + size > end) return;
      yield [type, at, size];
      at += size;
    }
  }

  function find(view: DataView, start: number, end: number, path: string[]): number | undefined {
    for (const [type, at, size] of boxes(view, start, end)) {
      if (type !== path[0]) continue;
      if (path.length === 1) return at;
      const found = find(view, at + 8, at + size, path.slice(1));
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
