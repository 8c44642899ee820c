/**
 * Subtitle tracks in HLS: the master lists a video's ready tracks as one SUBTITLES group, and
 * each track's media playlist is a single WebVTT segment spanning the whole video. hls.js reads
 * a VTT with no X-TIMESTAMP-MAP on the media timeline, which starts at 0 in every ladder rushes
 * writes, so cue times are the player's times (test/e2e/captions.test.ts checks it).
 */
export namespace CaptionPlaylists {
  export const group = "subs";

  export type Track = { language: string; name: string };

  /**
   * Where a track's playlist lives, relative to the master: this token's captions route. Added
   * to the master after its stored URIs are checked and rewritten, since it is not a file.
   */
  export const uri = (language: string) => `captions/${language.toLowerCase()}/index.m3u8`;

  /** The master with a SUBTITLES rendition per track, and every variant pointing at the group. */
  export function master(body: Buffer, tracks: Track[]): Buffer {
    if (tracks.length === 0) return body;
    const text = body.toString("utf8");
    const names = new Set<string>();
    const media = tracks.map((track) => {
      // NAME is a quoted-string (no `"`, no line break) and unique within the group.
      let name = track.name.replace(/["\p{Cc}]/gu, "'").trim() || track.language;
      if (names.has(name)) name = `${name} (${track.language})`;
      names.add(name);
      return [
        "#EXT-X-MEDIA:TYPE=SUBTITLES",
        `GROUP-ID="${group}"`,
        `NAME="${name}"`,
        `LANGUAGE="${track.language}"`,
        "DEFAULT=NO",
        "AUTOSELECT=YES",
        "FORCED=NO",
        `URI="${uri(track.language)}"`,
      ].join(",");
    });
    const lines = text.split("\n");
    const out: string[] = [];
    let inserted = false;
    for (const line of lines) {
      if (line.startsWith("#EXT-X-STREAM-INF:")) {
        if (!inserted) out.push(...media);
        inserted = true;
        out.push(`${line.trimEnd()},SUBTITLES="${group}"`);
      } else {
        out.push(line);
      }
    }
    return Buffer.from(out.join("\n"));
  }

  /** A track's media playlist: its one signed VTT as a segment covering `durationMs`. */
  export function media(url: string, durationMs: number): string {
    const seconds = Math.max(0.001, durationMs / 1000);
    return [
      "#EXTM3U",
      "#EXT-X-VERSION:3",
      `#EXT-X-TARGETDURATION:${Math.ceil(seconds)}`,
      "#EXT-X-MEDIA-SEQUENCE:0",
      "#EXT-X-PLAYLIST-TYPE:VOD",
      `#EXTINF:${seconds.toFixed(3)},`,
      url,
      "#EXT-X-ENDLIST",
      "",
    ].join("\n");
  }

  /** The video's ready tracks, in language order (one Query of its partition). */
  export async function tracks(videoId: string): Promise<Track[]> {
    // Loaded here, not at the top: signing and rewriting stay free of the table (and its name).
    const { Dynamo } = await import("../dynamo");
    const { data } = await Dynamo.entities.caption.query
      .byId({ videoId })
      .go({ pages: "all", attributes: ["language", "name", "status"] });
    return data
      .filter((caption) => caption.status === "ready")
      .map(({ language, name }) => ({ language, name }));
  }

  /** A ready track's object key and the video's duration, or undefined for no such track. */
  export async function track(videoId: string, language: string) {
    if (!/^[a-z0-9-]{2,35}$/.test(language)) return undefined;
    const { Dynamo } = await import("../dynamo");
    const [caption, video] = await Promise.all([
      Dynamo.entities.caption.get({ videoId, tag: language }).go(),
      Dynamo.entities.video.get({ videoId }).go({ attributes: ["probe"] }),
    ]);
    const durationMs = video.data?.probe?.durationMs;
    if (caption.data?.status !== "ready" || durationMs === undefined) return undefined;
    return { key: caption.data.key, durationMs };
  }
}
