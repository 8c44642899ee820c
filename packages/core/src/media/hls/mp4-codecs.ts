/**
 * Reads what an fMP4 init segment really holds: the RFC 6381 codec string (`avc1.640028`,
 * `mp4a.40.2`) and the coded size, from the sample entries in `moov/trak/mdia/minf/stbl/stsd`.
 * The master playlist's CODECS and RESOLUTION come from here rather than from constants, so a
 * different encoder (ffmpeg 4 or 6, another x264 level choice) can never be misdescribed.
 */
export namespace Mp4Codecs {
  export type Track =
    | { kind: "video"; codec: string; width: number; height: number }
    | { kind: "audio"; codec: string; channels: number; sampleRate: number };

  /** Boxes that only contain other boxes, on the way down to `stsd`. */
  const containers = new Set(["moov", "trak", "mdia", "minf", "stbl"]);

  export function tracks(data: Uint8Array): Track[] {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const found: Track[] = [];
    walk(view, 0, data.byteLength, (type, start, end) => {
      if (type === "stsd") {
        // Full box header (4) + entry count (4), then the sample entries.
        walk(view, start + 8, end, (entry, s, e) => {
          const track = sampleEntry(view, entry, s, e);
          if (track) found.push(track);
        });
      }
    });
    return found;
  }

  function walk(
    view: DataView,
    from: number,
    to: number,
    visit: (type: string, start: number, end: number) => void,
  ) {
    let at = from;
    while (at + 8 <= to) {
      let size = view.getUint32(at);
      const type = fourcc(view, at + 4);
      let header = 8;
      if (size === 1) {
        size = Number(view.getBigUint64(at + 8));
        header = 16;
      } else if (size === 0) {
        size = to - at;
      }
      if (size < header || at + size > to) return;
      visit(type, at + header, at + size);
      if (containers.has(type)) walk(view, at + header, at + size, visit);
      at += size;
    }
  }

  function sampleEntry(view: DataView, type: string, start: number, end: number) {
    if (type === "avc1" || type === "avc3") {
      const width = view.getUint16(start + 24);
      const height = view.getUint16(start + 26);
      let codec: string | undefined;
      // VisualSampleEntry fields take 78 bytes; its child boxes follow.
      walk(view, start + 78, end, (child, s) => {
        if (child === "avcC") {
          const hex = [1, 2, 3].map((i) =>
            view
              .getUint8(s + i)
              .toString(16)
              .padStart(2, "0"),
          );
          codec = `${type}.${hex.join("")}`;
        }
      });
      return codec ? ({ kind: "video", codec, width, height } as const) : undefined;
    }
    if (type === "mp4a") {
      const channels = view.getUint16(start + 16);
      const sampleRate = view.getUint16(start + 24);
      let codec: string | undefined;
      // AudioSampleEntry fields take 28 bytes; `esds` follows.
      walk(view, start + 28, end, (child, s, e) => {
        if (child === "esds") codec = esdsCodec(view, s + 4, e);
      });
      return codec ? ({ kind: "audio", codec, channels, sampleRate } as const) : undefined;
    }
    return undefined;
  }

  /** ES_Descriptor → DecoderConfigDescriptor (object type) → DecoderSpecificInfo (AAC AOT). */
  function esdsCodec(view: DataView, start: number, end: number): string | undefined {
    let at = start;
    let objectType: number | undefined;
    while (at < end) {
      const tag = view.getUint8(at++);
      let length = 0;
      for (let i = 0; i < 4; i++) {
        const byte = view.getUint8(at++);
        length = (length << 7) | (byte & 0x7f);
        if (!(byte & 0x80)) break;
      }
      if (tag === 0x03) {
        const flags = view.getUint8(at + 2);
        at += 3;
        if (flags & 0x80) at += 2;
        if (flags & 0x40) at += 1 + view.getUint8(at);
        if (flags & 0x20) at += 2;
      } else if (tag === 0x04) {
        objectType = view.getUint8(at);
        at += 13;
      } else if (tag === 0x05) {
        let aot = view.getUint8(at) >> 3;
        if (aot === 31)
          aot = 32 + (((view.getUint8(at) & 0x07) << 3) | (view.getUint8(at + 1) >> 5));
        return objectType === undefined ? undefined : `mp4a.${objectType.toString(16)}.${aot}`;
      } else {
        at += length;
      }
    }
    return objectType === undefined ? undefined : `mp4a.${objectType.toString(16)}`;
  }

  function fourcc(view: DataView, at: number) {
    return String.fromCharCode(
      view.getUint8(at),
      view.getUint8(at + 1),
      view.getUint8(at + 2),
      view.getUint8(at + 3),
    );
  }
}
