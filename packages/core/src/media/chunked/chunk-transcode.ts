// Over 300 lines: the split and one chunk's encode are each one ffmpeg graph, read best whole.
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { inParallel } from "../../parallel";
import { MediaError } from "../error";
import { Ffmpeg } from "../ffmpeg/ffmpeg";
import { Storyboard } from "../ffmpeg/storyboard";
import { Thumbnails } from "../ffmpeg/thumbnails";
import { FfmpegTranscoder } from "../ffmpeg/transcoder";
import { Fmp4 } from "../hls/fmp4";
import { Hls } from "../hls/hls";
import type { Plan } from "../plan";
import type { Probe } from "../probe/probe";
import { ChunkAudio } from "./chunk-audio";
import type { Chunks } from "./chunks";
import { ChunkLadder } from "./ladder";

/**
 * The ffmpeg work of the chunked transcode: the split (stream copies, plus everything that is
 * cheap for the whole source at once), one chunk's ladder, and the MP4 downloads from the
 * stitched segments. Storage and bookkeeping live in `video/chunked/`.
 */
export namespace ChunkTranscode {
  /** Copied past a chunk's end, so B-frames shown before the boundary are in the file. */
  const tailMs = 1000;
  const maxFps = 60;

  export type Split = {
    chunks: string[];
    /** Each chunk's audio samples (`ChunkAudio.split`), when the ladder has audio. */
    audio?: string[];
  };

  /**
   * The most the split may write: a small multiple of the source's bytes (the chunks' copies are
   * about the source's video, the exact audio as FLAC several times its AAC), with a floor so a
   * small source's audio always fits. A sample table that repeats one frame thousands of times
   * would otherwise write thousands of times the upload.
   */
  export const splitBytesFactor = 8;
  export const splitBytesFloor = 16 * 1024 ** 2;
  export const splitCap = (sourceBytes: number) =>
    Math.max(splitBytesFloor, splitBytesFactor * sourceBytes);
  /** The code of the failure when the split passes its cap. */
  export const cappedCode = "split_too_large";

  /**
   * For a source the workers cannot read by ranges (not MP4/MOV): each chunk's exact audio
   * samples, cut from one decode (no encode: each worker encodes its own, `ChunkAudio`), and one
   * stream copy of each chunk's video. The storyboard and thumbnails come from the workers.
   *
   * Bounded by the source: the copies run at most one per core, and everything written is
   * capped (`maxBytes`, default `splitCap`): past it every ffmpeg is stopped and the split fails
   * with `split_too_large`.
   */
  export async function split(
    job: {
      sourcePath: string;
      probe: Probe.Info;
      plan: Plan;
      chunks: Chunks.Chunk[];
      maxBytes?: number;
    },
    dir: string,
  ): Promise<Split> {
    const { plan, probe, sourcePath } = job;
    await mkdir(dir, { recursive: true });
    const maxBytes = job.maxBytes ?? splitCap((await stat(sourcePath)).size);
    const chunks = job.chunks.map((c) => join(dir, `chunk-${c.index}.mkv`));
    const input = Ffmpeg.input(sourcePath, probe.formatName);
    const audio = plan.hls.audio
      ? job.chunks.map((c) => join(dir, `chunk-${c.index}.flac`))
      : undefined;
    const outputs = [...chunks, ...(audio ?? [])];
    return capped(dir, new Set(outputs), maxBytes, async (opts, remaining) => {
      // No output may pass what is left of the cap either, between two looks at the directory.
      const fs = () => ["-fs", String(remaining())];
      if (audio) {
        const last = job.chunks.length - 1;
        const cut = ChunkAudio.split(
          "0:a:0",
          job.chunks.map((c, i) => ChunkAudio.span(c, i === last)),
          audio,
        );
        const outputArgs = cut.outputs.flatMap((arg) =>
          audio.includes(arg) ? [...fs(), arg] : [arg],
        );
        await Ffmpeg.run(
          "ffmpeg",
          ["-v", "error", "-y", ...input, "-filter_complex", cut.graph, ...outputArgs],
          opts,
        );
      }
      // Copies keep the source's timestamps (-copyts), so a worker trims on the source's clock.
      await inParallel(job.chunks, availableParallelism(), (c, i) =>
        Ffmpeg.run(
          "ffmpeg",
          [
            ...["-v", "error", "-y", "-ss", seconds(c.readFromMs)],
            ...["-to", seconds(Math.min(c.endMs + tailMs, probe.durationMs + tailMs)), "-copyts"],
            ...input,
            ...["-map", "0:v:0", "-c", "copy", ...fs(), "-f", "matroska", chunks[i]!],
          ],
          opts,
        ),
      );
      return { chunks, ...(audio ? { audio } : {}) };
    });
  }

  /**
   * Runs `work` while watching what it writes to `outputs` in `dir`; past `maxBytes` it aborts
   * every ffmpeg the work started and throws `split_too_large`.
   */
  async function capped<T>(
    dir: string,
    outputs: Set<string>,
    maxBytes: number,
    work: (opts: Ffmpeg.RunOptions, remaining: () => number) => Promise<T>,
  ): Promise<T> {
    const abort = new AbortController();
    let written = 0;
    const look = async () => {
      let total = 0;
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const path = join(dir, name);
        if (outputs.has(path))
          total += await stat(path).then(
            (s) => s.size,
            () => 0,
          );
      }
      written = Math.max(written, total);
      if (written > maxBytes) abort.abort();
    };
    let looking = Promise.resolve();
    const timer = setInterval(() => {
      looking = looking.then(look);
    }, 50);
    const over = () =>
      new MediaError(
        cappedCode,
        `The split wrote over ${maxBytes} bytes, more than the source's size can account for`,
        false,
      );
    try {
      const result = await work({ signal: abort.signal }, () => Math.max(1, maxBytes - written));
      looking = looking.then(look);
      await looking;
      // `-fs` ends an output quietly at the cap: a truncated split is no split.
      if (abort.signal.aborted || written >= maxBytes) throw over();
      return result;
    } catch (error) {
      if (abort.signal.aborted) throw over();
      throw error;
    } finally {
      clearInterval(timer);
      await looking;
    }
  }

  /** Where a chunk worker reads its stretch from. */
  export type Input =
    /**
     * The stored source itself: a presigned URL (a local path in the bench). ffmpeg seeks with
     * Range requests, so the worker transfers its own stretch of the source, not the whole.
     * MP4/MOV only: their index gives every audio sample an exact time, which `ChunkAudio`'s
     * cut depends on.
     */
    | { kind: "source"; path: string; formatName: string }
    /** The split's stream copy of the chunk's video, and its exact audio samples (FLAC). */
    | { kind: "copy"; chunkPath: string; audioPath?: string };

  /** Read from before a chunk's start: the audio's pre-roll, plus a margin for the seek. */
  const leadMs = 1600;

  export type Encoded = {
    rungs: Hls.Measured[];
    audio?: ChunkAudio.Encoded;
    /** Storyboard tiles whose time falls in the chunk, by their index in the whole video. */
    tiles: { index: number; path: string }[];
    /** The video's thumbnails, from the chunk that holds their instant. */
    thumbnails?: string[];
  };

  /**
   * One chunk to every rung of the ladder, with the single run's scaler, x264 settings, frame
   * timing and caps, and 2 s keyframe grid; plus its audio (`ChunkAudio`), its storyboard tiles
   * and, in the chunk that holds their instant, the thumbnails. The chunk is trimmed to
   * [start, end) on the source's clock and re-timed from zero, which keeps the init segment
   * identical to every other chunk's; then each segment is moved to the chunk's start
   * (`Fmp4.shift`) and numbered on from the chunk before.
   */
  export async function encode(
    job: {
      input: Input;
      chunk: Chunks.Chunk;
      /** The source's start_time: the input's timestamps are the source's own. */
      sourceStartMs: number;
      /** The source's display rotation (`Probe.Info.rotation`), which a copy may have lost. */
      rotation: number;
      probe: Probe.Info;
      plan: Plan;
      last: boolean;
    },
    dir: string,
    opts: Ffmpeg.RunOptions = {},
  ): Promise<Encoded> {
    const { plan, probe, chunk, input } = job;
    const rungs = plan.hls.rungs;
    for (const r of rungs) await mkdir(join(dir, r.name), { recursive: true });
    const span = plan.hls.audio ? ChunkAudio.span(chunk, job.last) : undefined;
    const prefix = `c${String(chunk.index).padStart(5, "0")}-`;
    // A stretch at the source's start is read from its start, on ffmpeg's own clock (zero at the
    // file's start): there, keeping the file's timestamps (-copyts) puts an AAC source's first
    // samples a frame (1024) early in some files, where the single run and every later chunk
    // agree with ffmpeg's clock. Later stretches seek, and keep the source's clock.
    const fromStart = input.kind === "source" && chunk.startMs <= leadMs;
    const clockMs = fromStart ? 0 : job.sourceStartMs;
    const start = seconds(clockMs + chunk.startMs);
    const end = job.last ? "" : `:end=${seconds(clockMs + chunk.endMs)}`;

    const tiles = Storyboard.tilesIn(
      plan.storyboard,
      chunk.startMs,
      job.last ? undefined : chunk.endMs,
    );
    const atMs = plan.thumbnailAtMs;
    const thumbs =
      atMs >= chunk.startMs && (job.last || atMs < chunk.endMs) && plan.thumbnails.length > 0
        ? Thumbnails.graph("vth", plan.thumbnails, "t", (atMs - chunk.startMs) / 1000)
        : undefined;
    const branches = ["[v0]", ...(tiles.count > 0 ? ["[vsb]"] : []), ...(thumbs ? ["[vth]"] : [])];
    // A copy made by ffmpeg 4's Matroska muxer has lost the display matrix, so the graph turns
    // the frames; ffmpeg turns the source's itself (autorotate), as it does for the single run.
    const turn =
      input.kind === "copy" && !(await turnsItself(input.chunkPath)) ? upright(job.rotation) : "";
    const graph = [
      `[0:v:0]trim=start=${start}${end},setpts=PTS-STARTPTS${turn},split=${branches.length}${branches.join("")}`,
      ...FfmpegTranscoder.scaleLadder("v0", rungs),
      ...(tiles.count > 0
        ? [Storyboard.tileGraph("vsb", plan.storyboard, tiles.offsetMs, "sb")]
        : []),
      ...(thumbs ? [thumbs.graph] : []),
    ];
    // The source kind decodes its audio in the same run, cut by its exact timestamps.
    const adts = join(dir, `${prefix}encoded.aac`);
    const zero = Math.round((clockMs * ChunkAudio.sampleRate) / 1000);
    const audioHere = span && input.kind === "source";
    const gainDb = plan.hls.audio?.normalize?.gainDb;
    if (audioHere) graph.push(ChunkAudio.cutGraph("0:a:0", span, zero, "aud", gainDb));
    const tilesDir = join(dir, "tiles");
    if (tiles.count > 0) await mkdir(tilesDir, { recursive: true });
    const thumbnails = thumbs
      ? plan.thumbnails.map((t) => join(dir, `thumb-${t.width}.jpg`))
      : undefined;

    const inputArgs =
      input.kind === "copy"
        ? ["-copyts", ...Ffmpeg.input(input.chunkPath, "matroska")]
        : fromStart
          ? Ffmpeg.input(input.path, input.formatName)
          : [
              ...["-copyts", "-noaccurate_seek", "-ss", seconds(chunk.startMs - leadMs)],
              ...Ffmpeg.input(input.path, input.formatName),
            ];
    const ladder = Ffmpeg.run(
      "ffmpeg",
      [
        ...["-v", "error", "-y", ...inputArgs],
        ...["-filter_complex", graph.join(";"), ...FfmpegTranscoder.frameTiming],
        ...rungs.flatMap((r, i) => [
          ...["-map", `[r${i}]`, ...FfmpegTranscoder.ladderCodec],
          ...["-maxrate", String(r.maxBitrate), "-bufsize", String(r.maxBitrate * 2)],
          // The single run's caps: no more frames than the stretch holds, at most maxFps.
          ...["-frames:v", String(FfmpegTranscoder.maxFrames(chunk.endMs - chunk.startMs))],
          ...(probe.fps && probe.fps > maxFps ? ["-r", String(maxFps)] : []),
          ...Hls.output(dir, r.name, plan.hls.segmentSeconds, chunk.firstSegment),
        ]),
        ...(tiles.count > 0 ? Storyboard.tileOutput("sb", tilesDir, tiles.first, tiles.count) : []),
        ...(thumbs
          ? thumbs.labels.flatMap((label, i) => Thumbnails.output(label, thumbnails![i]!))
          : []),
        ...(audioHere ? ["-map", "[aud]", ...FfmpegTranscoder.audioCodec, "-f", "adts", adts] : []),
      ],
      opts,
    );
    // A copy's audio is its own process beside the ladder's: x264 keeps the other cores busy.
    const flac = span && input.kind === "copy" && input.audioPath;
    const audio = flac
      ? ChunkAudio.encode(
          { flacPath: flac, span, prefix, segmentSeconds: plan.hls.segmentSeconds, gainDb },
          dir,
          opts,
        )
      : ladder.then(() =>
          audioHere
            ? ChunkAudio.packageAdts(
                { adtsPath: adts, span, prefix, segmentSeconds: plan.hls.segmentSeconds },
                dir,
                opts,
              )
            : undefined,
        );
    // Both settle before this returns or throws: nothing writes into `dir` after a failure.
    const [ran, sound] = await Promise.allSettled([ladder, audio]);
    if (ran.status === "rejected") throw ran.reason;
    if (sound.status === "rejected") throw sound.reason;

    const measured: Hls.Measured[] = [];
    for (const rung of rungs) {
      const { track, ...m } = await Hls.measure(dir, rung.name);
      const folder = join(dir, rung.name);
      if (chunk.startMs > 0) {
        const scale = Fmp4.timescale(await readFile(join(folder, m.init)));
        for (const s of m.segments) {
          const path = join(folder, s.uri);
          await writeFile(path, Fmp4.shift(await readFile(path), chunk.startMs, scale));
        }
      }
      const size = track.kind === "video" ? track : { width: rung.width, height: rung.height };
      measured.push({ ...m, width: size.width, height: size.height });
    }
    const written = await Promise.all(
      Array.from({ length: tiles.count }, async (_, i) => {
        const path = join(tilesDir, Storyboard.sheetName(tiles.first + i));
        return (await exists(path)) ? [{ index: tiles.first + i, path }] : [];
      }),
    );
    return {
      rungs: measured,
      ...(sound.value ? { audio: sound.value } : {}),
      tiles: written.flat(),
      ...(thumbnails ? { thumbnails } : {}),
    };
  }

  const exists = (path: string) =>
    stat(path).then(
      () => true,
      () => false,
    );

  // The stitch's pieces live in ./ladder.ts; these names stay for the callers that use them here.
  export type ChunkRung = ChunkLadder.ChunkRung;
  export const { joinLadder, joinAudio, playlist, renditionPaths } = ChunkLadder;

  /**
   * The filters that show frames as a display-matrix rotation says (`Probe.Info.rotation`, the
   * matrix's counter-clockwise angle), the way ffmpeg's own autorotate does for the single run.
   */
  export function upright(rotation: number): string {
    const clockwise = ((-rotation % 360) + 360) % 360;
    if (clockwise === 90) return ",transpose=clock";
    if (clockwise === 180) return ",hflip,vflip";
    if (clockwise === 270) return ",transpose=cclock";
    return "";
  }

  /** Whether ffmpeg will turn this file's frames itself: a rotating display matrix (not a tag). */
  async function turnsItself(path: string) {
    const { stdout } = await Ffmpeg.run("ffprobe", [
      ...["-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json"],
      ...Ffmpeg.input(path, "matroska"),
    ]);
    type SideData = { side_data_type?: string; rotation?: number };
    const streams = (JSON.parse(stdout) as { streams?: { side_data_list?: SideData[] }[] }).streams;
    return (streams?.[0]?.side_data_list ?? []).some(
      (d) => d.side_data_type === "Display Matrix" && Math.round(d.rotation ?? 0) % 360 !== 0,
    );
  }

  function seconds(ms: number) {
    return (ms / 1000).toFixed(3);
  }
}
