import { mkdir, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { Config } from "../../config";
import { inParallel } from "../../parallel";
import { Storage } from "../../storage";
import { ObjectKeys } from "../../storage/object-keys";
import { contentTypes } from "../content-types";
import { MediaError } from "../error";
import { Hls } from "../hls/hls";
import { Loudness } from "../loudness";
import { Plan } from "../plan";
import type { Probe } from "../probe/probe";
import type { TranscodeJob, Transcoder } from "../transcoder";
import { freeBytes } from "../work-dir";
import { AudioDownload } from "./audio-download";
import { Mp4Download } from "./download";
import { Ffmpeg } from "./ffmpeg";
import { Progressive } from "./progressive";
import { Storyboard } from "./storyboard";
import { Thumbnails } from "./thumbnails";

/**
 * The default adapter: one ffmpeg run, one decode, every output. A `split` feeds each HLS rung's
 * scaler, the thumbnail branch and the storyboard branch, so a 1080p source is decoded once
 * rather than once per output. The MP4 downloads are then remuxed (no re-encode) from the 720p
 * and 480p rungs: they cost a file copy, not an encode.
 */
export namespace FfmpegTranscoder {
  export type Outputs = {
    /** The ladder's folder: `{rung}/index.m3u8…`, `audio/…`, `master.m3u8`. */
    hls: string;
    storyboard: string;
    renditions: string[];
    thumbnails: string[];
  };
  /** `vtt` and `sheets` are absent when ffmpeg wrote no complete storyboard (see `render`). */
  export type Rendered = Outputs & { ladder: Hls.Written; sheets?: string[]; vtt?: string };

  /** x264 settings shared with clip cutting: web-safe High profile, 2 s keyframes. */
  export const videoCodec = [
    ...["-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast", "-crf", "23"],
    ...["-force_key_frames", "expr:gte(t,n_forced*2)"],
  ];
  /**
   * Every rung's x264 settings, the same in the single run and in every chunk. The ladder adds no
   * scene-cut keyframes: every rung then has exactly the same keyframes, on the 2 s grid, so
   * segments line up across rungs and a player can switch at any boundary.
   *
   * The ladder encodes with x264's `superfast` preset rather than `veryfast`: on 1080p camera
   * footage it is about 1.8× faster for about 9% more bytes at the same CRF (SSIM 0.952 against
   * 0.956). Four rungs are 2.7× the pixels of the old 720p + 480p MP4s; at `veryfast` the whole
   * ingest cost 2.6-3× the old one, at `superfast` on 1080p and 720p only 1.7×, and with the
   * whole ladder on it about 1.6×, the goal (`npm run bench`: hls.vsMp4Plan).
   */
  export const ladderCodec = [
    ...videoCodec.map((arg) => (arg === "veryfast" ? "superfast" : arg)),
    ...["-sc_threshold", "0"],
  ];
  /**
   * The rungs' frames, `[r0]` (the largest) to `[rN]`, from the frames labelled `input`: each rung
   * is scaled from the one above it, not from the source, so the smaller rungs' scalers read 720p
   * and 480p frames rather than 1080p ones. On the 30 s 1080p bench source that is about 4% of the
   * single run's time; against a Lanczos reference the 360p rung's SSIM is 0.996 rather than 0.998,
   * far inside what the encode itself gives up (about 0.95).
   */
  export function scaleLadder(input: string, rungs: Pick<Plan.Rung, "width" | "height">[]) {
    return rungs.map((r, i) => {
      const from = i === 0 ? input : `sc${i}`;
      const to = i < rungs.length - 1 ? `,split=2[r${i}][sc${i + 1}]` : `[r${i}]`;
      return `[${from}]scale=${r.width}:${r.height},setsar=1,format=yuv420p${to}`;
    });
  }
  export const audioCodec = ["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-ar", "48000"];
  // The MP4 downloads are remuxed in ./download.ts; these names stay for their callers.
  export const mp4 = Mp4Download.flags;
  export const { download, joinFragments } = Mp4Download;
  /** Above this, frames are dropped: slow-motion phone footage is not worth 240 fps on the web. */
  const maxFps = 60;
  const uploadConcurrency = 16;

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
        const { plan, videoId, bucket } = job;
        let live: Progressive.Live | undefined;
        const out = await render(job, {}, (hlsDir) => {
          live = Progressive.watch({ hlsDir, videoId, bucket, hls: plan.hls, ...job.progress });
          return live;
        });
        const put = (key: string, path: string, type: string) =>
          Storage.upload(key, path, type, bucket);

        // Segments and sheets first, playlists after, the master last: a reader that finds the
        // master finds everything it names.
        const media = out.ladder.rungs
          .flatMap((rung) =>
            [rung.init, ...rung.segments.map((s) => s.uri)].map((f) => [rung.name, f]),
          )
          .concat(
            out.ladder.audio
              ? [out.ladder.audio.init, ...out.ladder.audio.segments.map((s) => s.uri)].map((f) => [
                  "audio",
                  f,
                ])
              : [],
          )
          // Stored while ffmpeg ran (Progressive): only what it closed last is left.
          .filter(([rung, file]) => !live?.stored.has(`${rung}/${file}`));
        await inParallel(media, uploadConcurrency, ([rung, file]) =>
          put(
            ObjectKeys.hlsFile(videoId, rung!, file!),
            join(out.hls, rung!, file!),
            typeOf(file!),
          ),
        );
        const sheets = out.sheets;
        if (sheets) {
          await inParallel(plan.storyboard.sheets, uploadConcurrency, (key, i) =>
            put(key, sheets[i]!, contentTypes.jpg),
          );
        }
        const playlists = [
          ...out.ladder.rungs.map((r) => r.name),
          ...(out.ladder.audio ? ["audio"] : []),
        ];
        await inParallel(playlists, uploadConcurrency, (rung) =>
          put(
            ObjectKeys.hlsFile(videoId, rung, Hls.playlistName),
            join(out.hls, rung, Hls.playlistName),
            contentTypes.m3u8,
          ),
        );
        await put(plan.hls.masterKey, join(out.hls, Hls.masterName), contentTypes.m3u8);
        if (sheets) {
          await put(plan.storyboard.key, join(out.storyboard, "storyboard.vtt"), contentTypes.vtt);
        }

        const renditions = await Promise.all(
          plan.renditions.map(async (r, i) => ({
            name: r.name,
            width: r.width,
            height: r.height,
            key: r.key,
            bytes: await put(r.key, out.renditions[i]!, contentTypes.mp4),
          })),
        );
        const thumbnails = await Promise.all(
          plan.thumbnails.map(async (t, i) => {
            await put(t.key, out.thumbnails[i]!, contentTypes.jpg);
            return { width: t.width, height: t.height, key: t.key };
          }),
        );
        const audio = out.ladder.audio;
        const m4a = audio
          ? await AudioDownload.store(videoId, out.hls, audio, {
              measure: Boolean(plan.hls.audio?.normalize),
              bucket,
            })
          : undefined;
        return {
          kind: "complete",
          renditions,
          thumbnails,
          ...(m4a ? { audio: m4a } : {}),
          hls: {
            masterKey: plan.hls.masterKey,
            rungs: out.ladder.rungs.map((r) => ({
              name: r.name,
              width: r.width,
              height: r.height,
              bandwidth: r.peakBitrate + (audio?.peakBitrate ?? 0),
              codecs: audio ? `${r.codec},${audio.codec}` : r.codec,
            })),
          },
          ...(sheets ? { storyboard: Plan.storyboardInfo(plan) } : {}),
          report: { transcoder: "ffmpeg", rungs: out.ladder.rungs.map((r) => r.name) },
        };
      },
      // The source, the ladder, the remuxed downloads (and their joined fragments while they are
      // made) and the stills must fit in /tmp (Lambda's is sized in infra).
      async scratchShortage(dir, bytes) {
        if (bytes * 3.5 <= (await freeBytes(dir))) return undefined;
        return `Not enough temporary space for a ${bytes}-byte source`;
      },
    };
  }

  /**
   * Runs the single ffmpeg pass into a fresh dir under `job.workDir`, describes the ladder it
   * wrote (master playlist included), writes the storyboard VTT, remuxes the MP4 downloads, and
   * checks every output.
   */
  export async function render(
    job: Pick<TranscodeJob, "sourcePath" | "workDir" | "probe" | "plan">,
    opts: Ffmpeg.RunOptions = {},
    /** Watches the ladder's folder while ffmpeg runs (Progressive), stopped when it exits. */
    watch?: (hlsDir: string) => { stop(): Promise<void> },
  ): Promise<Rendered> {
    const { plan } = job;
    // Outputs get a dir of their own, so no name can collide with the source or a retry's leftovers.
    const dir = await mkdtemp(join(job.workDir, "out-"));
    const outputs: Outputs = {
      hls: join(dir, "hls"),
      storyboard: join(dir, "storyboard"),
      renditions: plan.renditions.map((r) => join(dir, `${r.name}.mp4`)),
      thumbnails: plan.thumbnails.map((t) => join(dir, `thumb-${t.width}.jpg`)),
    };
    const folders = [...plan.hls.rungs.map((r) => r.name), ...(plan.hls.audio ? ["audio"] : [])];
    for (const name of folders) await mkdir(join(outputs.hls, name), { recursive: true });
    await mkdir(outputs.storyboard, { recursive: true });

    const live = watch?.(outputs.hls);
    try {
      await Ffmpeg.run("ffmpeg", args(job, outputs), { permanentTimeout: true, ...opts });
    } finally {
      await live?.stop();
    }
    // ffmpeg wrote EVENT playlists as it went; the finished ladder is VOD, as a `vod` run writes it.
    for (const name of folders) {
      const path = join(outputs.hls, name, Hls.playlistName);
      // A playlist ffmpeg never wrote is `Hls.describe`'s to report.
      const text = await readFile(path, "utf8").catch(() => undefined);
      if (text !== undefined) await writeFile(path, Hls.vod(text));
    }

    const ladder = await Hls.describe(outputs.hls, plan.hls);
    await writeFile(join(outputs.hls, Hls.masterName), ladder.master);
    const vtt = Storyboard.vtt(plan.storyboard, job.probe.durationMs);
    await writeFile(join(outputs.storyboard, "storyboard.vtt"), vtt);
    const sheets = plan.storyboard.sheets.map((_, i) =>
      join(outputs.storyboard, Storyboard.sheetName(i)),
    );
    // The storyboard is a scrubbing aid, not the video: a source whose frame size changes
    // mid-stream makes ffmpeg rebuild the filter graph and the tiler loses its sheet. Such a
    // video is still ready, without a storyboard.
    const complete = (await Promise.all(sheets.map(nonEmpty))).every(Boolean);
    await Promise.all(
      plan.renditions.map((r, i) =>
        download(outputs.hls, ladder, r.name, outputs.renditions[i]!, opts),
      ),
    );
    for (const path of [...outputs.renditions, ...outputs.thumbnails]) {
      if (!(await nonEmpty(path))) {
        throw new MediaError("ffmpeg_failed", `ffmpeg wrote no ${path}`, false);
      }
    }
    return { ...outputs, ladder, ...(complete ? { sheets, vtt } : {}) };
  }

  export function args(
    job: { sourcePath: string; probe: Probe.Info; plan: Plan },
    outputs: Pick<Outputs, "hls" | "storyboard" | "thumbnails">,
    maxDurationSeconds = Config.get().RUSHES_MAX_DURATION_SECONDS,
  ): string[] {
    const { plan, probe } = job;
    const rungs = plan.hls.rungs;
    const thumbs = Thumbnails.graph("vt", plan.thumbnails, "t", plan.thumbnailAtMs / 1000);
    const graph = [
      `[0:v:0]split=3[v0][vt][vs]`,
      ...scaleLadder("v0", rungs),
      thumbs.graph,
      Storyboard.graph("vs", plan.storyboard, "sb"),
    ];

    // The output caps also bound a file whose header under-reports its length.
    const time = ["-t", String(maxDurationSeconds)];
    const limit = [
      ...time,
      ...["-frames:v", String(maxFrames(probe.durationMs))],
      ...(probe.fps && probe.fps > maxFps ? ["-r", String(maxFps)] : []),
    ];
    const rungArgs = rungs.flatMap((r, i) => [
      ...["-map", `[r${i}]`],
      ...ladderCodec,
      ...["-maxrate", String(r.maxBitrate), "-bufsize", String(r.maxBitrate * 2)],
      ...limit,
      ...Hls.output(outputs.hls, r.name, plan.hls.segmentSeconds, 0, "", "event"),
    ]);
    const audioArgs = plan.hls.audio
      ? [
          ...["-map", "0:a:0", ...Loudness.filterArgs(plan.hls.audio.normalize?.gainDb)],
          ...[...audioCodec, ...time],
          ...Hls.output(outputs.hls, plan.hls.audio.name, plan.hls.segmentSeconds, 0, "", "event"),
        ]
      : [];
    const thumbArgs = thumbs.labels.flatMap((label, i) =>
      Thumbnails.output(label, outputs.thumbnails[i]!),
    );
    return [
      ...["-v", "error", "-y", ...Ffmpeg.input(job.sourcePath, probe.formatName)],
      ...["-filter_complex", graph.join(";"), ...frameTiming],
      ...rungArgs,
      ...audioArgs,
      ...thumbArgs,
      ...Storyboard.output("sb", outputs.storyboard),
    ];
  }

  const nonEmpty = (path: string) =>
    stat(path).then(
      (s) => s.size > 0,
      () => false,
    );

  function typeOf(file: string): string {
    const ext = extname(file).slice(1);
    return ext === "m4s" ? contentTypes.m4s : ext === "m3u8" ? contentTypes.m3u8 : contentTypes.mp4;
  }
}
