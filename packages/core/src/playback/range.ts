/**
 * Instant clips: a media playlist cut down to the segments that overlap a range, with no
 * re-encode. Segment times come from the playlist's own EXTINF durations (the video's timing, as
 * its segments were cut). The player starts at the range's start through `#EXT-X-START` (PRECISE),
 * and the list ends after the last overlapping segment; a player stops at the range's end itself
 * (`playerEnd` in the playback object), as HLS has no tag for an end inside a segment.
 */
export namespace PlaylistRange {
  /** Seconds from the video's start. */
  export type Range = { start: number; end: number };

  export type Segment = { start: number; duration: number; tags: string[]; uri: string };

  export type Parsed = { header: string[]; segments: Segment[]; ended: boolean };

  /** A media playlist's header, its segments on the video's timeline, and whether it has ENDLIST. */
  export function parse(text: string): Parsed {
    const header: string[] = [];
    const segments: Segment[] = [];
    let tags: string[] | undefined;
    let duration = 0;
    let at = 0;
    let ended = false;
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (!line) continue;
      if (line === "#EXT-X-ENDLIST") {
        ended = true;
        continue;
      }
      if (line.startsWith("#EXTINF:")) {
        tags ??= [];
        duration = Number.parseFloat(line.slice(8));
        tags.push(line);
      } else if (line.startsWith("#")) {
        // Tags before the first segment's EXTINF are the header's (EXT-X-MAP included).
        if (tags) tags.push(line);
        else header.push(line);
      } else if (tags) {
        segments.push({ start: at, duration, tags, uri: line });
        at += duration;
        tags = undefined;
      }
    }
    return { header, segments, ended };
  }

  /** The segments that overlap [start, end): a segment ending at `start` or starting at `end` is out. */
  export function overlapping(segments: Segment[], range: Range): Segment[] {
    return segments.filter((s) => s.start < range.end && s.start + s.duration > range.start);
  }

  export type Clipped = {
    text: string;
    /** Where the range starts on the clipped playlist's timeline (`EXT-X-START`). */
    offset: number;
    /** Whether the list holds every segment up to the range's end (VOD, with ENDLIST). */
    complete: boolean;
  };

  /**
   * The media playlist for `range`. Its media sequence counts on from the original's, so segment
   * numbers stay the video's. While the video still encodes and the list does not yet reach the
   * range's end, it stays an open EVENT list that the player reloads.
   */
  export function clip(text: string, range: Range): Clipped {
    const { header, segments, ended } = parse(text);
    const kept = overlapping(segments, range);
    const first = kept[0];
    const last = kept.at(-1);
    const complete = ended || (last !== undefined && last.start + last.duration >= range.end);
    const offset = first ? Math.max(0, range.start - first.start) : 0;
    const skipped = first ? segments.indexOf(first) : segments.length;
    const out: string[] = [];
    let typed = false;
    for (const line of header) {
      if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
        out.push(`#EXT-X-MEDIA-SEQUENCE:${Number.parseInt(line.slice(22), 10) + skipped}`);
      } else if (line.startsWith("#EXT-X-PLAYLIST-TYPE:")) {
        out.push(`#EXT-X-PLAYLIST-TYPE:${complete ? "VOD" : "EVENT"}`);
        typed = true;
      } else {
        out.push(line);
      }
    }
    if (!typed) out.push(`#EXT-X-PLAYLIST-TYPE:${complete ? "VOD" : "EVENT"}`);
    out.push(`#EXT-X-START:TIME-OFFSET=${offset.toFixed(3)},PRECISE=YES`);
    // A map inside the list (after a discontinuity) still applies to the first kept segment.
    const map = segments
      .slice(0, skipped + 1)
      .flatMap((s) => s.tags)
      .findLast((t) => t.startsWith("#EXT-X-MAP:"));
    for (const [i, segment] of kept.entries()) {
      if (i === 0 && map && !segment.tags.includes(map)) out.push(map);
      out.push(...segment.tags, segment.uri);
    }
    if (complete) out.push("#EXT-X-ENDLIST");
    return { text: `${out.join("\n")}\n`, offset, complete };
  }
}
