import { mkdtemp, stat } from "node:fs/promises";
import { join } from "node:path";
import { Config } from "../config";
import { Storage } from "../storage";
import { MediaError } from "./error";
import { Ffmpeg } from "./ffmpeg";
import type { Plan } from "./plan";
import type { Probe } from "./probe";
import { Thumbnails } from "./thumbnails";
import { contentTypes, freeBytes, type TranscodeJob, type Transcoder } from "./transcoder";

/**
 * The default adapter: one ffmpeg run, one decode, every output. A `split` feeds each rendition
 * scaler and the thumbnail branch, so a 1080p source is decoded once rather than once per output.
 */
export namespace FfmpegTranscoder {
  export type Outputs = { renditions: string[]; thumbnails: string[] };

  /** x264 settings shared with clip cutting: web-safe High profile, 2 s keyframes. */
  export const videoCodec = [
    ...["-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast", "-crf", "23"],
    ...["-force_key_frames", "expr:gte(t,n_forced*2)"],
  ];
  export const audioCodec = ["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000"];
  /** Faststart moves the index first so playback starts before the download ends. */
  export const mp4 = [
    ...["-movflags", "+faststart", "-map_metadata", "-1", "-map_chapters", "-1"],
    ...["-max_muxing_queue_size", "1024"],
  ];
  /** Above this, frames are dropped: slow-motion phone footage is not worth 240 fps on the web. */
  const maxFps = 60;

  /**
   * Frame timing. MP4 output defaults to constant frame rate, which fills every gap in the
   * source's timestamps with duplicates: four frames and one at 3590 s became 215k encoded
   * frames per rendition. `vfr` keeps each frame's own time and never duplicates; with `-r` (set
   * only above `maxFps`) it drops frames closer than 1/60 s instead of resampling. `-vsync` is
   * what ffmpeg 4 understands; ffmpeg 5 to 7 read it as `-fps_mode`.
   */
  export const frameTiming = ["-vsync", "vfr"];

  /**
   * Most frames a rendition may hold: the probed duration (plus a second for an under-reporting
   * header) at `maxFps`. With `vfr` a rendition never has more frames than the source, so this
   * binds only when a source packs more frames into its duration than any camera records.
   */
  export function maxFrames(durationMs: number): number {
    return Math.ceil((durationMs / 1000 + 1) * maxFps);
  }

  export function create(): Transcoder {
    return {
      kind: "ffmpeg",
      async transcode(job) {
        const outputs = await render(job);
        const renditions = await Promise.all(
          job.plan.renditions.map(async (r, i) => ({
            name: r.name,
            width: r.width,
            height: r.height,
            key: r.key,
            bytes: await Storage.upload(
              r.key,
              outputs.renditions[i]!,
              contentTypes.mp4,
              job.bucket,
            ),
          })),
        );
        const thumbnails = await Promise.all(
          job.plan.thumbnails.map(async (t, i) => {
            await Storage.upload(t.key, outputs.thumbnails[i]!, contentTypes.jpg, job.bucket);
            return { width: t.width, height: t.height, key: t.key };
          }),
        );
        return { kind: "complete", renditions, thumbnails, report: { transcoder: "ffmpeg" } };
      },
      // The source, two renditions and thumbnails must fit in /tmp (Lambda's is sized in infra).
      async scratchShortage(dir, bytes) {
        if (bytes * 2.2 <= (await freeBytes(dir))) return undefined;
        return `Not enough temporary space for a ${bytes}-byte source`;
      },
    };
  }

  /** Runs the single ffmpeg pass into a fresh dir under `job.workDir`; checks every output. */
  export async function render(
    job: Pick<TranscodeJob, "sourcePath" | "workDir" | "probe" | "plan">,
    opts: Ffmpeg.RunOptions = {},
  ): Promise<Outputs> {
    // Outputs get a dir of their own, so no name can collide with the source or a retry's leftovers.
    const dir = await mkdtemp(join(job.workDir, "out-"));
    const outputs: Outputs = {
      renditions: job.plan.renditions.map((r) => join(dir, `${r.name}.mp4`)),
      thumbnails: job.plan.thumbnails.map((t) => join(dir, `thumb-${t.width}.jpg`)),
    };
    await Ffmpeg.run("ffmpeg", args(job, outputs), { permanentTimeout: true, ...opts });
    for (const path of [...outputs.renditions, ...outputs.thumbnails]) {
      const size = await stat(path).then(
        (s) => s.size,
        () => 0,
      );
      if (size === 0) throw new MediaError("ffmpeg_failed", `ffmpeg wrote no ${path}`, false);
    }
    return outputs;
  }

  export function args(
    job: { sourcePath: string; probe: Probe.Info; plan: Plan },
    outputs: Outputs,
    maxDurationSeconds = Config.get().RUSHES_MAX_DURATION_SECONDS,
  ): string[] {
    const { plan, probe } = job;
    const n = plan.renditions.length;
    const branches = plan.renditions.map((_, i) => `[v${i}]`).join("");
    const scaled = plan.renditions.map(
      (r, i) => `[v${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[r${i}]`,
    );
    const thumbs = Thumbnails.graph("vt", plan.thumbnails, "t", plan.thumbnailAtMs / 1000);
    const graph = [`[0:v:0]split=${n + 1}${branches}[vt]`, ...scaled, thumbs.graph];

    // The output caps also bound a file whose header under-reports its length.
    const limit = [
      ...["-t", String(maxDurationSeconds), "-frames:v", String(maxFrames(probe.durationMs))],
      ...(probe.fps && probe.fps > maxFps ? ["-r", String(maxFps)] : []),
    ];
    const renditionArgs = plan.renditions.flatMap((r, i) => [
      ...["-map", `[r${i}]`, ...(plan.audio ? ["-map", "0:a:0"] : [])],
      ...videoCodec,
      ...["-maxrate", String(r.maxBitrate), "-bufsize", String(r.maxBitrate * 2)],
      ...(plan.audio ? audioCodec : []),
      ...mp4,
      ...limit,
      outputs.renditions[i]!,
    ]);
    const thumbArgs = thumbs.labels.flatMap((label, i) =>
      Thumbnails.output(label, outputs.thumbnails[i]!),
    );
    return [
      ...["-v", "error", "-y", ...Ffmpeg.input(job.sourcePath, probe.formatName)],
      ...["-filter_complex", graph.join(";"), ...frameTiming],
      ...renditionArgs,
      ...thumbArgs,
    ];
  }
}
