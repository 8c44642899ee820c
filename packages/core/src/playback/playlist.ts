/**
 * Rewriting HLS playlists and storyboard VTTs for playback: plain string work, one pass over
 * the lines, no parser dependency. Every URI is one of two shapes: a line of its own (a segment,
 * or a variant in a master), or a `URI="…"` attribute (`EXT-X-MAP`, `EXT-X-MEDIA`). Byte ranges
 * (`EXT-X-BYTERANGE`, `BYTERANGE=` on a map) apply to the URI and pass through unchanged.
 */
export namespace Playlist {
  const attribute = /URI="([^"]*)"/;

  /** Every URI the playlist names, in order, each once. */
  export function uris(text: string): string[] {
    const found = new Set<string>();
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (!line) continue;
      if (line.startsWith("#")) {
        const match = attribute.exec(line);
        if (match?.[1]) found.add(match[1]);
      } else {
        found.add(line);
      }
    }
    return [...found];
  }

  /**
   * The playlist with each URI replaced by `resolve(uri)`, everything else kept as it was, as the
   * UTF-8 bytes the route sends. Bytes, not a string: an hour's rung signed for CloudFront is
   * about 400 KB, and V8 spends milliseconds making a flat string that large, where writing the
   * lines into one buffer takes a fraction of one (`npm run bench`: playback.rewriteP99Ms).
   * `resolve` gives URLs, which are ASCII (both signers' are).
   */
  export function rewrite(text: string, resolve: (uri: string) => string): Buffer {
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      // Trimmed as it goes: CRLF playlists come out with plain line ends.
      const line = lines[i]!.trim();
      lines[i] = line;
      if (!line) continue;
      if (line.startsWith("#")) {
        if (line.includes('URI="')) {
          lines[i] = line.replace(attribute, (_, uri: string) => `URI="${resolve(uri)}"`);
        }
      } else {
        lines[i] = resolve(line);
      }
    }
    return joined(lines, !nonAscii.test(text));
  }

  /**
   * A storyboard VTT with each cue's image (`0.jpg#xywh=…`) replaced by `resolve(image)`, the
   * media fragment kept. Cue payloads are the lines after a `-->` timing line.
   */
  export function rewriteVtt(text: string, resolve: (image: string) => string): Buffer {
    const lines = text.split("\n");
    for (let i = 1; i < lines.length; i++) {
      if (!lines[i - 1]!.includes("-->")) continue;
      const line = lines[i]!.trim();
      if (!line) continue;
      const hash = line.indexOf("#");
      const image = hash === -1 ? line : line.slice(0, hash);
      lines[i] = resolve(image) + (hash === -1 ? "" : line.slice(hash));
    }
    return joined(lines, !nonAscii.test(text));
  }

  const nonAscii = /[\u0080-\uffff]/;

  /**
   * `lines.join("\n")` as UTF-8, written straight into one buffer. When every line is ASCII (the
   * playlist we stored, and the URLs put in it) one byte per character is UTF-8 too, and V8
   * writes that about ten times faster than it encodes UTF-8 (0.2 ms against 2 ms an hour's rung).
   */
  function joined(lines: string[], ascii: boolean): Buffer {
    let bytes = lines.length - 1;
    for (const line of lines) bytes += ascii ? line.length : Buffer.byteLength(line);
    const out = Buffer.allocUnsafe(Math.max(0, bytes));
    let at = 0;
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) out[at++] = 0x0a;
      at += out.write(lines[i]!, at, ascii ? "latin1" : "utf8");
    }
    return out;
  }

  export function vttImages(text: string): string[] {
    const found = new Set<string>();
    rewriteVtt(text, (image) => {
      found.add(image);
      return image;
    });
    return [...found];
  }

  /** Whether a media playlist is complete (`#EXT-X-ENDLIST`): VOD, or an EVENT that ended. */
  export function ended(text: string): boolean {
    return /^#EXT-X-ENDLIST\s*$/m.test(text);
  }

  /** A media playlist's `#EXT-X-TARGETDURATION`, in whole seconds (undefined without one). */
  export function targetDuration(text: string): number | undefined {
    const match = /^#EXT-X-TARGETDURATION:(\d+)/m.exec(text);
    return match ? Number(match[1]) : undefined;
  }

  /** A URI we wrote ourselves: a plain relative file name, optionally under one folder. */
  export function isLocal(uri: string): boolean {
    return /^(?:[a-z0-9]+\/)?[A-Za-z0-9_-]+\.(?:m3u8|mp4|m4s|jpg)$/.test(uri);
  }
}
