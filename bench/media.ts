// Transcode and clip figures: our ffmpeg runs against baselines run side by side on the same files.
import { access, copyFile, mkdtemp, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { Cut, Ffmpeg, FfmpegTranscoder, Plan, Probe } from "@rushes/core/media";
import { generateVideo } from "../test/support/media";
import { alternate, format, median, pairedRatio, progress, quick, round, scratch } from "./lib";

/** The ingest source: 1080p30 with stereo AAC and 2 s GOPs, like phone or camera footage. */
export const source = {
  width: 1920,
  height: 1080,
  fps: 30,
  seconds: quick ? 8 : 30,
};

export type SourceKind = "camera" | "clean";

/** Thumbnail widths as deployed (RUSHES_THUMBNAIL_WIDTHS' default). */
const widths = [300, 640, 1500, 3000];

/**
 * Generated once and kept in bench/.work (gitignored); a fresh clone generates it.
 * - camera: the moving test pattern under light temporal noise, standing in for sensor grain.
 *   Grain is what real footage spends its bits on (≈11 Mbps here, phones record 10-20 Mbps),
 *   and bits are what decoding costs. This is the source every figure is measured on.
 * - clean: the bare pattern from test/support/media.ts (≈5.5 Mbps, cheap to decode), kept as
 *   a sensitivity check on how much the transcode ratios depend on the source.
 */
export async function sourceVideo(kind: SourceKind): Promise<string> {
  const dir = await scratch("media");
  const path = join(dir, `source-${kind}-${source.height}p-${source.seconds}s.mp4`);
  if (
    await stat(path).then(
      (s) => s.size > 0,
      () => false,
    )
  ) {
    progress(`media: reusing ${path}`);
    return path;
  }
  progress(
    `media: generating the ${kind} source, ${source.seconds} s ${source.height}p${source.fps} (x264 veryfast)`,
  );
  const partial = `${path}.partial.mp4`;
  if (kind === "clean") {
    await generateVideo({ path: partial, ...source, gopSeconds: 2, audio: true });
  } else {
    const { width, height, fps, seconds } = source;
    const gop = String(2 * fps);
    await Ffmpeg.run("ffmpeg", [
      ...[
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
      ],
      ...["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
      ...[
        "-vf",
        "noise=alls=8:allf=t",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
      ],
      ...["-g", gop, "-keyint_min", gop, "-sc_threshold", "0"],
      ...["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", partial],
    ]);
  }
  await copyFile(partial, path);
  await rm(partial, { force: true });
  return path;
}

/** Where the clip group's recording lives: our 720p rendition of `sourcePath`, kept between runs. */
export const recordingPath = async (sourcePath: string) =>
  join(await scratch("media"), `recording-720p-${basename(sourcePath)}`);

/**
 * The recording the clip group cuts from, made once by one ingest run (`FfmpegTranscoder.render`)
 * when the opt-in transcode group has not left one behind.
 */
export async function clipRecording(sourcePath: string): Promise<string> {
  const recording = await recordingPath(sourcePath);
  const exists = await access(recording).then(
    () => true,
    () => false,
  );
  if (exists) return recording;
  progress("clip: making its 720p recording with one ingest run");
  const workDir = await mkdtemp(join(await scratch("transcode"), "recording-"));
  const probe = await Probe.file(sourcePath);
  const plan = Plan.forVideo("vid_bench", probe, widths);
  const outputs = await FfmpegTranscoder.render({ sourcePath, workDir, probe, plan });
  await copyFile(outputs.renditions[0]!, recording);
  await rm(workDir, { recursive: true, force: true });
  return recording;
}

export interface TranscodeResult {
  vsSingle720: number;
  speedupVsNaive: number;
  decodeFloorRatio: number;
  /** A 720p rendition our transcode made: the recording the clip benchmark cuts from. */
  recording: string;
  detail: Record<string, unknown>;
}

export async function measureTranscode(
  sourcePath: string,
  options: { label: string; rounds: number },
): Promise<TranscodeResult> {
  const { label, rounds } = options;
  const dir = await scratch("transcode");
  const probe = await Probe.file(sourcePath);
  const plan = Plan.forVideo("vid_bench", probe, widths);
  const input = Ffmpeg.input(sourcePath, probe.formatName);
  const audio = plan.audio ? FfmpegTranscoder.audioCodec : ["-an"];
  const rendition = (height: number, maxBitrate: number, out: string) => [
    ...["-v", "error", "-y", ...input, "-vf", `scale=-2:${height}`],
    ...FfmpegTranscoder.videoCodec,
    ...["-maxrate", String(maxBitrate), "-bufsize", String(maxBitrate * 2)],
    ...audio,
    ...FfmpegTranscoder.mp4,
    out,
  ];
  const at = (plan.thumbnailAtMs / 1000).toFixed(3);
  const fresh = () => mkdtemp(join(dir, "run-"));
  const r720 = plan.renditions.find((r) => r.name === "720p")!;

  let recording = "";
  const variants = {
    ours: async () => {
      const workDir = await fresh();
      const outputs = await FfmpegTranscoder.render({ sourcePath, workDir, probe, plan });
      if (!recording) {
        recording = await recordingPath(sourcePath);
        await copyFile(outputs.renditions[0]!, recording);
      }
      await rm(workDir, { recursive: true, force: true });
    },
    single720: async () => {
      const workDir = await fresh();
      await Ffmpeg.run("ffmpeg", rendition(720, r720.maxBitrate, join(workDir, "720p.mp4")));
      await rm(workDir, { recursive: true, force: true });
    },
    // A first draft: one ffmpeg run per output, each decoding the source again. The stills seek
    // on the input, so each decodes only a few frames: the baseline is as cheap as it can be.
    naive: async () => {
      const workDir = await fresh();
      for (const r of plan.renditions) {
        await Ffmpeg.run(
          "ffmpeg",
          rendition(r.height, r.maxBitrate, join(workDir, `${r.name}.mp4`)),
        );
      }
      for (const t of plan.thumbnails) {
        await Ffmpeg.run("ffmpeg", [
          ...["-v", "error", "-y", "-ss", at, ...input],
          ...["-vf", `thumbnail=n=6,scale=${t.width}:${t.height}`],
          ...["-frames:v", "1", "-q:v", "3", join(workDir, `thumb-${t.width}.jpg`)],
        ]);
      }
      await rm(workDir, { recursive: true, force: true });
    },
    decode: async () => {
      await Ffmpeg.run("ffmpeg", ["-v", "error", ...input, "-f", "null", "-"]);
    },
  };

  progress(
    `${label}: ${plan.renditions.map((r) => r.name).join(" + ")} + ${plan.thumbnails.length} thumbnails, ${rounds} rounds of 4 variants`,
  );
  const { wall: t, cpu } = await alternate(label, rounds, variants);
  return {
    vsSingle720: round(pairedRatio(t.ours, t.single720)),
    speedupVsNaive: round(pairedRatio(t.naive, t.ours)),
    decodeFloorRatio: round(pairedRatio(t.ours, t.decode)),
    recording,
    detail: {
      source: {
        ...source,
        bytes: (await stat(sourcePath)).size,
        mbps: round(((await stat(sourcePath)).size * 8) / (probe.durationMs / 1000) / 1e6, 1),
      },
      outputs: {
        renditions: plan.renditions.map((r) => `${r.width}x${r.height}`),
        thumbnails: plan.thumbnails.map((x) => x.width),
      },
      medianSeconds: seconds(t),
      cpuSeconds: seconds(cpu),
      cpuRatios: {
        vsSingle720: round(pairedRatio(cpu.ours, cpu.single720)),
        speedupVsNaive: round(pairedRatio(cpu.naive, cpu.ours)),
        decodeFloorRatio: round(pairedRatio(cpu.ours, cpu.decode)),
      },
      rounds,
    },
  };
}

export interface ClipResult {
  fastVsExact: number;
  detail: Record<string, unknown>;
}

/**
 * Three consecutive recordings (copies of our 720p rendition, which is what the clip worker
 * cuts from) and one window across all three: from the middle of the first to the middle of
 * the third, 60 s with the full-size source.
 */
export async function measureClip(recording: string): Promise<ClipResult> {
  const dir = await scratch("clip");
  const probe = await Probe.file(recording);
  const t0 = Date.UTC(2030, 0, 1);
  const recordings = await Promise.all(
    [0, 1, 2].map(async (i) => {
      const path = join(dir, `recording-${i}.mp4`);
      await copyFile(recording, path);
      return {
        path,
        recordedAt: t0 + i * probe.durationMs,
        durationMs: probe.durationMs,
        width: probe.width,
        height: probe.height,
      };
    }),
  );
  const startAt = t0 + Math.round(probe.durationMs / 2);
  const endAt = startAt + 2 * probe.durationMs;
  const durations: Record<string, number> = {};
  const cut = (accuracy: "exact" | "fast") => async () => {
    const workDir = await mkdtemp(join(dir, `${accuracy}-`));
    const out = await Cut.clip({
      recordings,
      startAt,
      endAt,
      accuracy,
      workDir,
      thumbnailWidths: widths,
    });
    if (out.thumbnails.length === 0 || out.bytes === 0) throw new Error(`empty ${accuracy} clip`);
    durations[accuracy] = out.durationMs;
    await rm(workDir, { recursive: true, force: true });
  };
  const rounds = quick ? 2 : 3;
  progress(
    `clip: ${format.ms(endAt - startAt)} across 3 recordings of ${format.ms(probe.durationMs)}, fast vs exact, ${rounds} rounds`,
  );
  const { wall: t, cpu } = await alternate("clip", rounds, {
    fast: cut("fast"),
    exact: cut("exact"),
  });
  return {
    fastVsExact: round(pairedRatio(t.fast, t.exact)),
    detail: {
      windowSeconds: (endAt - startAt) / 1000,
      outputSeconds: { fast: durations.fast! / 1000, exact: durations.exact! / 1000 },
      medianSeconds: seconds(t),
      cpuSeconds: seconds(cpu),
      cpuRatio: round(pairedRatio(cpu.fast, cpu.exact)),
      rounds,
    },
  };
}

/** Median seconds per variant. */
const seconds = (samples: Record<string, number[]>) =>
  Object.fromEntries(
    Object.entries(samples).map(([name, ms]) => [name, round(median(ms) / 1000, 2)]),
  );
