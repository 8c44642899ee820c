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

  /** The playlist with each URI replaced by `resolve(uri)`; everything else is kept as it was. */
  export function rewrite(text: string, resolve: (uri: string) => string): string {
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
    return lines.join("\n");
  }

  /**
   * A storyboard VTT with each cue's image (`0.jpg#xywh=…`) replaced by `resolve(image)`, the
   * media fragment kept. Cue payloads are the lines after a `-->` timing line.
   */
  export function rewriteVtt(text: string, resolve: (image: string) => string): string {
    const lines = text.split("\n");
    for (let i = 1; i < lines.length; i++) {
      if (!lines[i - 1]!.includes("-->")) continue;
      const line = lines[i]!.trim();
      if (!line) continue;
      const hash = line.indexOf("#");
      const image = hash === -1 ? line : line.slice(0, hash);
      lines[i] = resolve(image) + (hash === -1 ? "" : line.slice(hash));
    }
    return lines.join("\n");
  }

  export function vttImages(text: string): string[] {
    const found = new Set<string>();
    rewriteVtt(text, (image) => {
      found.add(image);
      return image;
    });
    return [...found];
  }

  /** A URI we wrote ourselves: a plain relative file name, optionally under one folder. */
  export function isLocal(uri: string): boolean {
    return /^(?:[a-z0-9]+\/)?[A-Za-z0-9_-]+\.(?:m3u8|mp4|m4s|jpg)$/.test(uri);
  }
}
