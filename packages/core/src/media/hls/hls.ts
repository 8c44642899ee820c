import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { MediaError } from "../error";
import type { Plan } from "../plan";
import { Mp4Codecs } from "./mp4-codecs";

/**
 * Writing the fMP4 (CMAF) HLS ladder with ffmpeg's `hls` muxer, and describing what was written.
 * One output per rung plus one audio-only output, each into its own folder (`{rung}/index.m3u8`,
 * `init.mp4`, `00000.m4s`…), then a master playlist built from the files themselves.
 *
 * Audio is its own rendition (an `EXT-X-MEDIA` group) rather than muxed into every rung: it is
 * encoded and stored once instead of once per rung, Safari and hls.js both play alternate-audio
 * fMP4, and a rung switch never re-downloads audio.
 */
export namespace Hls {
  export type Segment = { uri: string; duration: number };
  export type Measured = {
    name: string;
    codec: string;
    width: number;
    height: number;
    /** Peak and average bits per second over the segments actually written (init excluded). */
    peakBitrate: number;
    averageBitrate: number;
    init: string;
    segments: Segment[];
  };
  export type Audio = Omit<Measured, "width" | "height"> & { channels: number };
  export type Written = { rungs: Measured[]; audio?: Audio; master: string };

  export const playlistName = "index.m3u8";
  export const initName = "init.mp4";
  export const masterName = "master.m3u8";
  export const audioGroup = "audio";

  /**
   * Output options for one HLS media playlist into `dir/{name}/`. `startNumber` and the caller's
   * `-output_ts_offset` let a later run encode a time range of the source into the same ladder
   * (the chunked transcode's segments continue the numbering of the chunk before).
   */
  export function output(
    dir: string,
    name: string,
    segmentSeconds: number,
    startNumber = 0,
    /** Before each segment's number: a chunk's audio segments are named apart from the others'. */
    prefix = "",
    /**
     * `event` has ffmpeg rewrite the playlist (to a temp file, then renamed) after each segment it
     * closes, where `vod` writes it once at the end; the segments are the same bytes, and the
     * final playlist differs in its type line only (`vod` puts it back).
     */
    type: "vod" | "event" = "vod",
  ) {
    return [
      ...["-f", "hls", "-hls_time", String(segmentSeconds), "-hls_playlist_type", type],
      ...["-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", initName],
      ...["-hls_flags", "independent_segments", "-start_number", String(startNumber)],
      ...["-hls_segment_filename", join(dir, name, `${prefix}%05d.m4s`)],
      join(dir, name, playlistName),
    ];
  }

  /** An EVENT playlist as the VOD one ffmpeg would have written (after `#EXT-X-ENDLIST`). */
  export function vod(text: string): string {
    return text.replace(/^#EXT-X-PLAYLIST-TYPE:EVENT$/m, "#EXT-X-PLAYLIST-TYPE:VOD");
  }

  /** A media playlist's init URI and segments, in order. Plain line work: we wrote it. */
  export function parse(text: string): { init?: string; segments: Segment[] } {
    let init: string | undefined;
    const segments: Segment[] = [];
    let duration: number | undefined;
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      if (line.startsWith("#EXT-X-MAP:")) init = /URI="([^"]+)"/.exec(line)?.[1];
      else if (line.startsWith("#EXTINF:")) duration = Number.parseFloat(line.slice(8));
      else if (line && !line.startsWith("#")) {
        segments.push({ uri: line, duration: duration ?? 0 });
        duration = undefined;
      }
    }
    return { init, segments };
  }

  /**
   * The variants of a master playlist, whoever wrote it (ffmpeg here, MediaConvert in AWS): the
   * rung name is its short side (`720p`), the rest is the master's own attributes.
   */
  export function parseMaster(text: string) {
    const rungs: {
      name: string;
      uri: string;
      width: number;
      height: number;
      bandwidth: number;
      codecs: string;
    }[] = [];
    let pending: string | undefined;
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line.startsWith("#EXT-X-STREAM-INF:")) pending = line;
      else if (pending && line && !line.startsWith("#")) {
        const attr = (name: string) => {
          const match = new RegExp(`[:,]${name}=(?:"([^"]*)"|([^,]*))`).exec(pending!);
          return match ? (match[1] ?? match[2]) : undefined;
        };
        const [width, height] = (attr("RESOLUTION") ?? "0x0").split("x").map(Number);
        rungs.push({
          name: `${Math.min(width!, height!)}p`,
          uri: line,
          width: width!,
          height: height!,
          bandwidth: Number(attr("BANDWIDTH") ?? 0),
          codecs: attr("CODECS") ?? "",
        });
        pending = undefined;
      }
    }
    return rungs.sort((a, b) => b.height * b.width - a.height * a.width);
  }

  /** Reads one written media playlist with its init and segments: codec, size, bitrates. */
  export async function measure(dir: string, name: string) {
    const folder = join(dir, name);
    const { init, segments } = parse(await readFile(join(folder, playlistName), "utf8"));
    if (!init || segments.length === 0) {
      throw new MediaError(
        "ffmpeg_failed",
        `ffmpeg wrote an empty HLS playlist for ${name}`,
        false,
      );
    }
    const [track] = Mp4Codecs.tracks(await readFile(join(folder, init)));
    if (!track) throw new MediaError("ffmpeg_failed", `No codec in ${name}/${init}`, false);
    let peak = 0;
    let bits = 0;
    let seconds = 0;
    for (const segment of segments) {
      const size = (await stat(join(folder, segment.uri))).size * 8;
      bits += size;
      seconds += segment.duration;
      // A short tail segment would overstate the peak; rate it over at least one second.
      peak = Math.max(peak, size / Math.max(segment.duration, 1));
    }
    const common = {
      name,
      codec: track.codec,
      peakBitrate: Math.ceil(peak),
      averageBitrate: Math.ceil(bits / Math.max(seconds, 0.001)),
      init,
      segments,
    };
    return { ...common, track };
  }

  /** Measures every rung (and the audio) that `output` wrote, and writes nothing. */
  export async function describe(dir: string, hls: Plan.Hls): Promise<Written> {
    const rungs: Measured[] = [];
    for (const rung of hls.rungs) {
      const { track, ...measured } = await measure(dir, rung.name);
      if (track.kind !== "video")
        throw new MediaError("ffmpeg_failed", `${rung.name}: no video`, false);
      rungs.push({ ...measured, width: track.width, height: track.height });
    }
    let audio: Audio | undefined;
    if (hls.audio) {
      const { track, ...measured } = await measure(dir, hls.audio.name);
      if (track.kind !== "audio")
        throw new MediaError("ffmpeg_failed", "audio: no audio track", false);
      audio = { ...measured, channels: track.channels };
    }
    return { rungs, audio, master: master(rungs, audio) };
  }

  /**
   * The master playlist. BANDWIDTH is the peak segment bitrate of the rung plus the audio's,
   * AVERAGE-BANDWIDTH the same for averages, as the HLS spec defines them; the largest rung
   * comes first and players pick by bandwidth.
   */
  export function master(
    rungs: Omit<Measured, "segments" | "init">[],
    audio?: Omit<Audio, "segments" | "init">,
  ) {
    const lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"];
    if (audio) {
      lines.push(
        `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${audioGroup}",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="${audio.channels}",URI="${audio.name}/${playlistName}"`,
      );
    }
    for (const rung of rungs) {
      const codecs = audio ? `${rung.codec},${audio.codec}` : rung.codec;
      const attributes = [
        `BANDWIDTH=${rung.peakBitrate + (audio?.peakBitrate ?? 0)}`,
        `AVERAGE-BANDWIDTH=${rung.averageBitrate + (audio?.averageBitrate ?? 0)}`,
        `RESOLUTION=${rung.width}x${rung.height}`,
        `CODECS="${codecs}"`,
        ...(audio ? [`AUDIO="${audioGroup}"`] : []),
      ];
      lines.push(`#EXT-X-STREAM-INF:${attributes.join(",")}`, `${rung.name}/${playlistName}`);
    }
    return `${lines.join("\n")}\n`;
  }

  /** Every file of a written rung, relative to the ladder's folder. */
  export function files(rung: Pick<Measured, "name" | "init" | "segments">): string[] {
    return [
      `${rung.name}/${playlistName}`,
      `${rung.name}/${rung.init}`,
      ...rung.segments.map((s) => `${rung.name}/${s.uri}`),
    ];
  }
}
