import { stat } from "node:fs/promises";
import * as z from "zod";
import { Config } from "../../config";
import { ProbeInfo } from "../../shapes";
import { MediaError } from "../error";
import { Ffmpeg } from "../ffmpeg/ffmpeg";
import { Codecs } from "./codecs";
import { Plausible } from "./plausible";

/**
 * What rushes knows about an upload before it spends anything on it. `file` rejects (with a
 * permanent MediaError) whatever is not a playable video in an accepted container.
 */
export namespace Probe {
  export const Info = ProbeInfo;
  export type Info = z.infer<typeof Info>;

  /**
   * Info plus what cutting needs to address timestamps inside the file, and the video's frame
   * count when the container's index states it (MP4/MOV), which the chunk plan weighs.
   */
  export type Details = Info & { startMs: number; frames?: number };

  export interface Options {
    maxDurationSeconds?: number;
    signal?: AbortSignal;
    /** For files rushes accepted or wrote itself: skips the duration cap and the decode check. */
    trusted?: boolean;
    /** The source's size, for a URL (a local file's is read); see `Plausible`. */
    bytes?: number;
  }

  /** Largest frame side accepted; bigger frames cost more memory than a function has. */
  const maxSide = 8192;
  const probeTimeoutMs = 120_000;

  export async function file(path: string, opts: Options = {}): Promise<Info> {
    return Info.parse(await details(path, opts));
  }

  /** `path` may be a presigned URL (`Ffmpeg.isUrl`): ffprobe then reads the index by ranges. */
  export async function details(path: string, opts: Options = {}): Promise<Details> {
    if (!Ffmpeg.isUrl(path) && (await stat(path)).size === 0) {
      throw new MediaError("not_a_video", "The file is empty", true);
    }

    const raw = await ffprobe(path, opts);
    const formatName = raw.format.format_name;
    Ffmpeg.demuxer(formatName);

    const video = raw.streams.find((s) => s.codec_type === "video" && !s.disposition?.attached_pic);
    if (!video) throw new MediaError("no_video_stream", "The file has no video stream", true);
    const audio = raw.streams.find((s) => s.codec_type === "audio");
    if (!video.codec_name || !video.width || !video.height) {
      throw new MediaError("undecodable", "The video stream has no codec or frame size", true);
    }
    if (!opts.trusted) Codecs.check(raw.streams);
    if (video.width > maxSide || video.height > maxSide) {
      throw new MediaError(
        "unsupported_format",
        `Frames over ${maxSide} px are not accepted`,
        true,
      );
    }
    const maxPixels = Config.get().RUSHES_MAX_FRAME_PIXELS;
    if (video.width * video.height > maxPixels) {
      throw new MediaError("frame_too_large", `A frame has more than ${maxPixels} pixels`, true);
    }

    const rotation = rotationOf(video);
    const displayWidth = Math.max(1, Math.round(video.width * sampleAspect(video)));
    const [width, height] =
      rotation % 180 === 90 ? [video.height, displayWidth] : [displayWidth, video.height];

    const maxSeconds = opts.maxDurationSeconds ?? Config.get().RUSHES_MAX_DURATION_SECONDS;
    const fps = rate(video.avg_frame_rate) ?? rate(video.r_frame_rate);
    const seconds =
      parseSeconds(raw.format.duration) ??
      parseSeconds(video.duration) ??
      (await measureSeconds(path, formatName, maxSeconds, opts)) + (fps ? 1 / fps : 0);
    if (seconds > maxSeconds && !opts.trusted) {
      throw new MediaError("too_long", `The video runs longer than ${maxSeconds} s`, true);
    }

    if (!opts.trusted) {
      await decodes(path, formatName, parseSeconds(video.duration) ?? seconds, opts);
      // After the decode check, so a truncated file (whose index also outruns it) reads as that.
      const bytes = opts.bytes ?? (Ffmpeg.isUrl(path) ? undefined : (await stat(path)).size);
      if (bytes !== undefined) {
        const mov = Ffmpeg.demuxer(formatName) === "mov";
        Plausible.check({
          bytes,
          durationMs: seconds * 1000,
          ...(mov ? { sampleBytes: await Plausible.sampleBytes(path, bytes) } : {}),
        });
      }
    }

    return {
      durationMs: Math.round(seconds * 1000),
      width,
      height,
      videoCodec: video.codec_name,
      ...(audio?.codec_name ? { audioCodec: audio.codec_name } : {}),
      ...(fps ? { fps } : {}),
      formatName,
      ...(rotation ? { rotation } : {}),
      startMs: Math.round((parseSeconds(raw.format.start_time) ?? 0) * 1000),
      ...(Number(video.nb_frames) > 0 ? { frames: Number(video.nb_frames) } : {}),
    };
  }

  const Stream = z.object({
    codec_type: z.string().optional(),
    codec_name: z.string().optional(),
    width: z.number().optional(),
    height: z.number().optional(),
    sample_aspect_ratio: z.string().optional(),
    avg_frame_rate: z.string().optional(),
    r_frame_rate: z.string().optional(),
    duration: z.string().optional(),
    nb_frames: z.string().optional(),
    disposition: z.object({ attached_pic: z.number().optional() }).optional(),
    tags: z.record(z.string(), z.string()).optional(),
    side_data_list: z.array(z.object({ rotation: z.number().optional() })).optional(),
  });
  const Output = z.object({
    streams: z.array(Stream).default([]),
    format: z.object({
      format_name: z.string(),
      duration: z.string().optional(),
      start_time: z.string().optional(),
    }),
  });

  async function ffprobe(path: string, opts: Options) {
    const args = [
      ...["-v", "error", ...Ffmpeg.source(path)],
      ...["-format_whitelist", Ffmpeg.formatWhitelist],
      ...["-show_format", "-show_streams", "-of", "json", Ffmpeg.location(path)],
    ];
    try {
      const { stdout } = await Ffmpeg.run("ffprobe", args, run(opts)).catch((error: unknown) => {
        throw Ffmpeg.unlessUnreadable(path, error);
      });
      const parsed = Output.safeParse(JSON.parse(stdout));
      if (!parsed.success) throw new MediaError("not_a_video", "Not a media file", true);
      return parsed.data;
    } catch (error) {
      if (!(error instanceof MediaError) || error.code !== "ffmpeg_failed") throw error;
      if (/not on whitelist/i.test(error.message)) {
        throw new MediaError("unsupported_format", "The container format is not accepted", true);
      }
      throw new MediaError("not_a_video", "Not a media file ffprobe can read", true);
    }
  }

  /**
   * Decodes the first frame and, for MP4/MOV, the keyframe nearest the end. A truncated MP4 can
   * keep a complete index (faststart puts it first) that points past the end of the file; only
   * touching the tail catches that. Streaming containers (TS, Matroska) just end early instead,
   * and seeking in them may land far from a keyframe, so they get the first-frame check only.
   */
  async function decodes(path: string, formatName: string, seconds: number, opts: Options) {
    const ends = [
      [...Ffmpeg.input(path, formatName)],
      ...(Ffmpeg.demuxer(formatName) === "mov"
        ? [
            [
              "-noaccurate_seek",
              "-ss",
              Math.max(0, seconds - 0.5).toFixed(3),
              ...Ffmpeg.input(path, formatName),
            ],
          ]
        : []),
    ];
    const args = [
      ...["-v", "error", ...ends.flat()],
      // One output per input: in ffmpeg 4, -frames on one stream closes its whole output.
      ...ends.flatMap((_, i) => ["-map", `${i}:v:0`, "-frames:v", "1", "-f", "framemd5", "pipe:1"]),
    ];
    let stdout = "";
    try {
      ({ stdout } = await Ffmpeg.run("ffmpeg", args, run(opts)));
    } catch (error) {
      const unreadable = Ffmpeg.unlessUnreadable(path, error);
      if (unreadable !== error) throw unreadable;
      if (!(error instanceof MediaError) || error.code !== "ffmpeg_failed") throw error;
    }
    // Each output writes at most one frame line, so one line per input means all decoded.
    const frames = stdout.split("\n").filter((line) => /^\d+,/.test(line)).length;
    if (frames < ends.length) {
      throw new MediaError("undecodable", "The video stream cannot be decoded", true);
    }
  }

  /**
   * For containers that carry no duration (live-recorded WebM/MKV): demux, never decode, and stop
   * just past the cap. The last packet's time is close enough to judge the cap and the plan.
   */
  async function measureSeconds(path: string, formatName: string, max: number, opts: Options) {
    const args = [
      ...["-v", "error", ...Ffmpeg.input(path, formatName)],
      ...["-progress", "pipe:1", "-nostats"],
      ...["-map", "0:v:0", "-c", "copy", "-t", String(max + 1), "-f", "null", "-"],
    ];
    const { stdout } = await Ffmpeg.run("ffmpeg", args, run(opts)).catch((error: unknown) => {
      const unreadable = Ffmpeg.unlessUnreadable(path, error);
      if (unreadable !== error) throw unreadable;
      if (!(error instanceof MediaError) || error.code !== "ffmpeg_failed") throw error;
      throw new MediaError("undecodable", "The video stream cannot be read to its end", true);
    });
    const times = [...stdout.matchAll(/^out_time_(?:us|ms)=(\d+)$/gm)].map((m) => Number(m[1]));
    const last = times.at(-1);
    if (!last) throw new MediaError("undecodable", "The video has no measurable duration", true);
    return last / 1e6;
  }

  function run(opts: Options): Ffmpeg.RunOptions {
    const limit = Math.min(probeTimeoutMs, Config.get().RUSHES_FFMPEG_TIMEOUT_SECONDS * 1000);
    return {
      timeoutMs: limit,
      permanentTimeout: !opts.trusted,
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
  }

  function parseSeconds(value: string | undefined): number | undefined {
    const n = Number(value);
    return value && Number.isFinite(n) && n >= 0 ? n : undefined;
  }

  function rate(value: string | undefined): number | undefined {
    const [num, den] = (value ?? "").split("/").map(Number);
    if (!num || !den) return undefined;
    return Math.round((num / den) * 1000) / 1000;
  }

  function sampleAspect(stream: z.infer<typeof Stream>): number {
    const [num, den] = (stream.sample_aspect_ratio ?? "").split(":").map(Number);
    return num && den ? num / den : 1;
  }

  function rotationOf(stream: z.infer<typeof Stream>): number {
    const fromMatrix = stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
    const degrees = fromMatrix ?? Number(stream.tags?.rotate ?? 0);
    if (!Number.isFinite(degrees)) return 0;
    return ((Math.round(degrees) % 360) + 360) % 360;
  }
}
