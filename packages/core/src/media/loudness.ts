import { Config } from "../config";
import { MediaError } from "./error";
import { Ffmpeg } from "./ffmpeg/ffmpeg";

/**
 * EBU R128 loudness: one measurement of a whole source, and the one linear gain that brings it
 * to the target without its true peak passing the ceiling. One gain, not a dynamic normaliser,
 * so every chunk of a chunked transcode applies exactly what the single run would, and the joins
 * stay seamless; and the sound is what was recorded, only louder or quieter.
 */
export namespace Loudness {
  /** EBU R128's true-peak ceiling for streaming delivery. */
  export const ceilingDbtp = -1;
  /**
   * AAC re-creates a peak a little higher than the PCM it was given (up to about 0.4 dB on
   * clicks, measured with both ffmpeg builds), so the gain keeps the PCM's true peak this much
   * under the ceiling: the encoded audio then stays under it (EBU Tech 3343 advises the same
   * margin for lossy codecs).
   */
  export const codecHeadroomDb = 1;
  /** EBU R128's absolute gate: anything quieter is silence, and gets no gain. */
  export const gateLufs = -70;

  /** What ffmpeg's ebur128 filter says; a figure is absent where the audio is silent (−inf). */
  export type Measured = { integratedLufs?: number; truePeakDbtp?: number; lra?: number };

  /** What normalising a source records: its measurement, the target and the gain applied. */
  export type Planned = { input: Measured; targetLufs: number; gainDb: number };

  /**
   * The gain in dB: target − integrated loudness, lowered so that true peak + gain stays at or
   * under the ceiling less the codec's headroom. Silence (or a figure ffmpeg could not give) gets 0, never ±∞ or NaN.
   * Rounded down to 0.01 dB, so rounding never lifts a peak past the ceiling.
   */
  export function gain(
    measured: Measured,
    targetLufs: number,
    ceiling = ceilingDbtp - codecHeadroomDb,
  ): number {
    const { integratedLufs: loudness, truePeakDbtp: peak } = measured;
    if (loudness === undefined || !Number.isFinite(loudness) || loudness <= gateLufs) return 0;
    let db = targetLufs - loudness;
    if (peak !== undefined && Number.isFinite(peak)) db = Math.min(db, ceiling - peak);
    const rounded = Math.floor(db * 100) / 100;
    return Object.is(rounded, -0) ? 0 : rounded;
  }

  /** The filter that applies a gain, for a filter chain; empty when there is none to apply. */
  export function filter(gainDb: number | undefined): string {
    return gainDb ? `,volume=${gainDb.toFixed(2)}dB` : "";
  }

  /** The same as an output's `-af`. */
  export function filterArgs(gainDb: number | undefined): string[] {
    return gainDb ? ["-af", filter(gainDb).slice(1)] : [];
  }

  /**
   * The audio as the ladder encodes it (48 kHz stereo: a mono source counts as the stereo its
   * rendition becomes), measured by the ebur128 filter with true peak. Not loudnorm's analysis:
   * that resamples everything to 192 kHz for its dynamic mode, and took 2.5 times as long. The
   * input is hardened as every other run's (`Ffmpeg.input`), capped at the longest duration
   * accepted, and under the time limit.
   */
  export function args(path: string, formatName: string, maxSeconds: number): string[] {
    return [
      ...["-v", "info", "-nostats", ...Ffmpeg.input(path, formatName)],
      ...["-t", String(maxSeconds), "-map", "0:a:0", "-vn", "-sn", "-dn"],
      // The per-frame log goes to the verbose level: only the summary reaches stderr.
      ...[
        "-af",
        "aresample=48000,aformat=channel_layouts=stereo,ebur128=peak=true:framelog=verbose",
      ],
      ...["-f", "null", "-"],
    ];
  }

  /** Measures the first audio stream of `path` (a local file or a presigned URL). */
  export async function measure(
    path: string,
    formatName: string,
    opts: Ffmpeg.RunOptions = {},
  ): Promise<Measured> {
    const max = Config.get().RUSHES_MAX_DURATION_SECONDS;
    const { stderr } = await Ffmpeg.run("ffmpeg", args(path, formatName, max), opts);
    return parse(stderr);
  }

  /** ebur128's summary, the last one in the log; "-inf" and the like become absent. */
  export function parse(log: string): Measured {
    const at = log.lastIndexOf("Summary:");
    if (at < 0) {
      throw new MediaError("ffmpeg_failed", "ffmpeg gave no loudness measurement", false);
    }
    const summary = log.slice(at);
    const figure = (pattern: RegExp) => {
      const value = Number(pattern.exec(summary)?.[1]);
      return Number.isFinite(value) ? value : undefined;
    };
    const integratedLufs = figure(/\bI:\s+(\S+) LUFS/);
    const truePeakDbtp = figure(/\bPeak:\s+(\S+) dBFS/);
    const lra = figure(/\bLRA:\s+(\S+) LU\b/);
    const silent = integratedLufs === undefined || integratedLufs <= gateLufs;
    return {
      ...(silent ? {} : { integratedLufs }),
      ...(truePeakDbtp === undefined ? {} : { truePeakDbtp }),
      ...(silent || lra === undefined ? {} : { lra }),
    };
  }
}
