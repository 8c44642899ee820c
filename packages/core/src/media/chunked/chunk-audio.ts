import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MediaError } from "../error";
import { Ffmpeg } from "../ffmpeg/ffmpeg";
import { FfmpegTranscoder } from "../ffmpeg/transcoder";
import { Fmp4 } from "../hls/fmp4";
import { Hls } from "../hls/hls";
import { Loudness } from "../loudness";
import type { Chunks } from "./chunks";

/**
 * The audio of a chunked transcode, encoded by each chunk's worker for its own stretch, with no
 * seam at a join. AAC codes 1024-sample frames whose transforms overlap their neighbours, so
 * two encodes cut at a sample and glued would click. Instead every chunk keeps whole frames of
 * one grid: frame f is samples [1024 f, 1024 (f + 1)) of the audio at 48 kHz. A chunk's encoder
 * starts `prerollFrames` before its first frame and runs two frames past its last; only its own
 * frames are kept. At a join the decoder then overlaps two frames that encoded the same signal,
 * which cancels as it does inside one encode (measured: the error at a join is the codec's own
 * error anywhere else; a frame off, or no pre-roll, is a click a hundred times larger).
 *
 * The split cuts each chunk's samples exactly (`atrim` counts samples, not timestamps) into a
 * FLAC file, lossless and about a tenth of AAC's encoding cost, so the whole-source pass stays
 * small and the AAC work is shared out with the chunks.
 */
export namespace ChunkAudio {
  export const sampleRate = 48_000;
  export const frameSamples = 1024;
  /** About a second of signal the encoder settles on before the chunk's first frame. */
  export const prerollFrames = 48;
  /** Past the last kept frame, so its transform overlaps real signal, not the encoder's flush. */
  const tailFrames = 2;

  export type Span = {
    /** The chunk's first frame on the grid. */
    firstFrame: number;
    /** One past its last frame; undefined for the last chunk (to the end of the audio). */
    endFrame?: number;
    /** Frames encoded before `firstFrame` and thrown away. */
    preroll: number;
    /** The samples cut for it from the whole audio: [fromSample, toSample). */
    fromSample: number;
    toSample?: number;
  };

  /** The grid frame at a time on the video's clock (chunk boundaries are whole milliseconds). */
  export const frameAt = (ms: number) => Math.round((ms * sampleRate) / 1000 / frameSamples);

  export function span(chunk: Pick<Chunks.Chunk, "startMs" | "endMs">, last: boolean): Span {
    const firstFrame = frameAt(chunk.startMs);
    const endFrame = last ? undefined : frameAt(chunk.endMs);
    const preroll = Math.min(prerollFrames, firstFrame);
    return {
      firstFrame,
      ...(endFrame === undefined ? {} : { endFrame }),
      preroll,
      fromSample: (firstFrame - preroll) * frameSamples,
      ...(endFrame === undefined ? {} : { toSample: (endFrame + tailFrames) * frameSamples }),
    };
  }

  /**
   * The split's share: from `[input]`, each chunk's samples, resampled to the grid's rate and
   * downmixed as the ladder's audio is, as `paths[i]` (FLAC).
   */
  export function split(input: string, spans: Span[], paths: string[]) {
    const labels = spans.map((_, i) => `[ca${i}]`);
    const graph = [
      `[${input}]aresample=${sampleRate},asplit=${spans.length}${labels.join("")}`,
      ...spans.map(
        (s, i) =>
          `${labels[i]}atrim=start_sample=${s.fromSample}${s.toSample === undefined ? "" : `:end_sample=${s.toSample}`}[co${i}]`,
      ),
    ].join(";");
    const outputs = paths.flatMap((path, i) => [
      ...["-map", `[co${i}]`, "-ac", "2", "-c:a", "flac", "-f", "flac", path],
    ]);
    return { graph, outputs };
  }

  /**
   * The frames of an ADTS stream (what ffmpeg's AAC encoder writes with `-f adts`). Bytes after
   * the last whole frame mean a truncated stream: an error, never frames silently dropped.
   */
  export function adtsFrames(data: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let at = 0;
    while (at < data.length) {
      if (at + 7 > data.length) {
        throw new MediaError("ffmpeg_failed", `A truncated ADTS header at byte ${at}`, false);
      }
      if (data[at] !== 0xff || (data[at + 1]! & 0xf0) !== 0xf0) {
        throw new MediaError("ffmpeg_failed", `No ADTS sync word at byte ${at}`, false);
      }
      const length = ((data[at + 3]! & 0x03) << 11) | (data[at + 4]! << 3) | (data[at + 5]! >> 5);
      if (length < 7 || at + length > data.length) {
        throw new MediaError("ffmpeg_failed", `A truncated ADTS frame at byte ${at}`, false);
      }
      frames.push(data.subarray(at, at + length));
      at += length;
    }
    return frames;
  }

  /**
   * The frames a chunk keeps of its encode. The encoder's first packet is its priming (the 1024
   * samples before the input); packet p then codes grid frame `firstFrame - preroll + p - 1`.
   * The first chunk drops the priming too, so every chunk's segments start on a grid frame.
   */
  export function keep<T>(packets: T[], s: Span): T[] {
    const first = s.preroll + 1;
    const count = s.endFrame === undefined ? undefined : s.endFrame - s.firstFrame;
    const kept = packets.slice(first, count === undefined ? undefined : first + count);
    if (count !== undefined && kept.length !== count) {
      throw new MediaError(
        "ffmpeg_failed",
        `The audio encode gave ${kept.length} of the chunk's ${count} frames`,
        false,
      );
    }
    return kept;
  }

  export type Encoded = Omit<Hls.Audio, "peakBitrate" | "averageBitrate" | "segments"> & {
    segments: (Hls.Segment & { bytes: number })[];
  };

  /**
   * From `[input]` on the source's own clock (`-copyts`), the span's samples by their exact
   * timestamps, for a source whose index times every sample (MP4/MOV): `zero` is the sample the
   * grid starts at (the source's start time, at the grid's rate). `gainDb` is the loudness
   * gain, the same in every chunk (`Loudness`).
   */
  export function cutGraph(input: string, s: Span, zero: number, label: string, gainDb?: number) {
    const end = s.toSample === undefined ? "" : `:end_pts=${zero + s.toSample}`;
    return `[${input}]aresample=${sampleRate},atrim=start_pts=${zero + s.fromSample}${end},asetpts=PTS-STARTPTS${Loudness.filter(gainDb)}[${label}]`;
  }

  type Job = { span: Span; prefix: string; segmentSeconds: number; gainDb?: number };

  /** One chunk's audio from its split's FLAC: to AAC with the ladder's settings, then packaged. */
  export async function encode(
    job: Job & { flacPath: string },
    dir: string,
    opts: Ffmpeg.RunOptions = {},
  ): Promise<Encoded> {
    const adtsPath = join(dir, `${job.prefix}encoded.aac`);
    await mkdir(dir, { recursive: true });
    await Ffmpeg.run(
      "ffmpeg",
      [
        ...["-v", "error", "-y", "-protocol_whitelist", "file", "-f", "flac"],
        ...["-i", `file:${job.flacPath}`, "-map", "0:a:0", ...Loudness.filterArgs(job.gainDb)],
        ...FfmpegTranscoder.audioCodec,
        ...["-f", "adts", adtsPath],
      ],
      opts,
    );
    return packageAdts({ ...job, adtsPath }, dir, opts);
  }

  /**
   * A chunk's encode (ADTS) to its part of the audio rendition: its own frames kept, written as
   * fMP4 HLS segments into `dir/audio/` (named `{prefix}NNNNN.m4s`, so chunks never collide),
   * each moved to the chunk's first frame.
   */
  export async function packageAdts(
    job: Job & { adtsPath: string },
    dir: string,
    opts: Ffmpeg.RunOptions = {},
  ): Promise<Encoded> {
    const name = "audio";
    await mkdir(join(dir, name), { recursive: true });
    const kept = keep(adtsFrames(await readFile(job.adtsPath)), job.span);
    const selected = join(dir, `${job.prefix}kept.aac`);
    await writeFile(selected, Buffer.concat(kept));
    await rm(job.adtsPath, { force: true });
    await Ffmpeg.run(
      "ffmpeg",
      [
        ...["-v", "error", "-y", "-protocol_whitelist", "file", "-f", "aac"],
        ...["-i", `file:${selected}`, "-map", "0:a:0", "-c:a", "copy", "-bsf:a", "aac_adtstoasc"],
        ...Hls.output(dir, name, job.segmentSeconds, 0, job.prefix),
      ],
      opts,
    );
    const { track, init, segments, codec } = await Hls.measure(dir, name);
    const folder = join(dir, name);
    const offsetMs = (job.span.firstFrame * frameSamples * 1000) / sampleRate;
    const scale = Fmp4.timescale(await readFile(join(folder, init)));
    const sized = [];
    for (const s of segments) {
      const path = join(folder, s.uri);
      if (offsetMs > 0) {
        await writeFile(path, Fmp4.shift(await readFile(path), offsetMs, scale));
      }
      sized.push({ ...s, bytes: (await stat(path)).size });
    }
    return {
      name,
      codec,
      channels: track.kind === "audio" ? track.channels : 2,
      init,
      segments: sized,
    };
  }
}
