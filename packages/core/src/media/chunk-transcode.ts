import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Storage } from "../storage";
import { ChunkAudio } from "./chunk-audio";
import type { Chunks } from "./chunks";
import { MediaError } from "./error";
import { Ffmpeg } from "./ffmpeg";
import { FfmpegTranscoder } from "./ffmpeg-transcoder";
import { Fmp4 } from "./fmp4";
import { Hls } from "./hls";
import type { Plan } from "./plan";
import type { Probe } from "./probe";
import { Storyboard } from "./storyboard";
import { Thumbnails } from "./thumbnails";

/**
 * The ffmpeg work of the chunked transcode: the split (stream copies, plus everything that is
 * cheap for the whole source at once), one chunk's ladder, and the MP4 downloads from the
 * stitched segments. Storage and bookkeeping live in `video/chunked.ts`.
 */
export namespace ChunkTranscode {
  /** Copied past a chunk's end, so B-frames shown before the boundary are in the file. */
  const tailMs = 1000;
  const maxFps = 60;

  export type Split = {
    chunks: string[];
    /** Each chunk's audio samples (`ChunkAudio.split`), when the ladder has audio. */
    audio?: string[];
    thumbnails: string[];
    sheets: string[];
    vtt: string;
  };

  /**
   * One pass over the source for the storyboard, the thumbnails and each chunk's exact audio
   * samples, and one stream copy per chunk. The storyboard decodes keyframes only
   * (`-skip_frame nokey`), a small fraction of a full decode, so each tile is the keyframe at or
   * before its time; the thumbnails seek to their instant and decode a few frames. Audio is
   * decoded and cut, not encoded: each chunk's worker encodes its own (`ChunkAudio`).
   */
  export async function split(
    job: { sourcePath: string; probe: Probe.Info; plan: Plan; chunks: Chunks.Chunk[] },
    dir: string,
  ): Promise<Split> {
    const { plan, probe, sourcePath } = job;
    const storyboard = join(dir, "storyboard");
    await mkdir(storyboard, { recursive: true });
    const chunks = job.chunks.map((c) => join(dir, `chunk-${c.index}.mkv`));
    const thumbnails = plan.thumbnails.map((t) => join(dir, `thumb-${t.width}.jpg`));
    const input = Ffmpeg.input(sourcePath, probe.formatName);
    const thumbs = Thumbnails.graph("1:v:0", plan.thumbnails, "t", 0);
    const audio = plan.hls.audio
      ? job.chunks.map((c) => join(dir, `chunk-${c.index}.flac`))
      : undefined;
    const last = job.chunks.length - 1;
    const cut = audio
      ? ChunkAudio.split(
          "0:a:0",
          job.chunks.map((c, i) => ChunkAudio.span(c, i === last)),
          audio,
        )
      : undefined;
    await Ffmpeg.run("ffmpeg", [
      ...["-v", "error", "-y", "-skip_frame", "nokey", ...input],
      ...["-ss", (plan.thumbnailAtMs / 1000).toFixed(3), ...input],
      ...[
        "-filter_complex",
        [Storyboard.graph("0:v:0", plan.storyboard, "sb"), thumbs.graph, cut?.graph]
          .filter(Boolean)
          .join(";"),
      ],
      ...Storyboard.output("sb", storyboard),
      ...thumbs.labels.flatMap((label, i) => Thumbnails.output(label, thumbnails[i]!)),
      ...(cut?.outputs ?? []),
    ]);
    // Copies keep the source's timestamps (-copyts), so a worker trims on the source's clock.
    await Promise.all(
      job.chunks.map((c, i) =>
        Ffmpeg.run("ffmpeg", [
          ...["-v", "error", "-y", "-ss", seconds(c.readFromMs)],
          ...["-to", seconds(Math.min(c.endMs + tailMs, probe.durationMs + tailMs)), "-copyts"],
          ...input,
          ...["-map", "0:v:0", "-c", "copy", "-f", "matroska", chunks[i]!],
        ]),
      ),
    );
    const vtt = Storyboard.vtt(plan.storyboard, probe.durationMs);
    await writeFile(join(storyboard, "storyboard.vtt"), vtt);
    const sheets = plan.storyboard.sheets.map((_, i) => join(storyboard, Storyboard.sheetName(i)));
    return { chunks, ...(audio ? { audio } : {}), thumbnails, sheets, vtt };
  }

  /**
   * One chunk to every rung of the ladder, with the single run's scaler, x264 settings, frame
   * timing and caps, and 2 s keyframe grid. The chunk is trimmed to [start, end) on the source's clock and re-timed from
   * zero, which keeps the init segment identical to every other chunk's; then each segment is
   * moved to the chunk's start (`Fmp4.shift`) and numbered on from the chunk before.
   */
  export async function encode(
    job: {
      chunkPath: string;
      chunk: Chunks.Chunk;
      /** The source's start_time: the copy's timestamps are the source's own. */
      sourceStartMs: number;
      /** The source's display rotation (`Probe.Info.rotation`), which the copy may have lost. */
      rotation: number;
      probe: Probe.Info;
      plan: Plan;
      last: boolean;
      /** The chunk's audio samples from the split (`ChunkAudio.split`), when it has audio. */
      audioPath?: string;
    },
    dir: string,
    opts: Ffmpeg.RunOptions = {},
  ): Promise<{ rungs: Hls.Measured[]; audio?: ChunkAudio.Encoded }> {
    const { plan, probe, chunk } = job;
    // Its own process beside the ladder's: x264 keeps the other cores busy meanwhile.
    const audio = job.audioPath
      ? ChunkAudio.encode(
          {
            flacPath: job.audioPath,
            span: ChunkAudio.span(chunk, job.last),
            prefix: `c${String(chunk.index).padStart(5, "0")}-`,
            segmentSeconds: plan.hls.segmentSeconds,
          },
          dir,
          opts,
        )
      : undefined;
    // Both settle before this returns or throws: nothing writes into `dir` after a failure.
    const [ladder, sound] = await Promise.allSettled([encodeLadder(job, dir, opts), audio]);
    if (ladder.status === "rejected") throw ladder.reason;
    if (sound.status === "rejected") throw sound.reason;
    return { rungs: ladder.value, ...(sound.value ? { audio: sound.value } : {}) };
  }

  async function encodeLadder(
    job: Parameters<typeof encode>[0],
    dir: string,
    opts: Ffmpeg.RunOptions,
  ): Promise<Hls.Measured[]> {
    const { plan, probe, chunk } = job;
    const rungs = plan.hls.rungs;
    for (const r of rungs) await mkdir(join(dir, r.name), { recursive: true });
    const start = seconds(job.sourceStartMs + chunk.startMs);
    const end = job.last ? "" : `:end=${seconds(job.sourceStartMs + chunk.endMs)}`;
    const branches = rungs.map((_, i) => `[v${i}]`).join("");
    // ffmpeg turns the frames upright itself (autorotate) when the copy kept the display matrix,
    // as newer Matroska muxers do; ffmpeg 4's drops it, and then the graph turns them instead.
    const turn = (await turnsItself(job.chunkPath)) ? "" : upright(job.rotation);
    const graph = [
      `[0:v:0]trim=start=${start}${end},setpts=PTS-STARTPTS${turn},split=${rungs.length}${branches}`,
      ...rungs.map((r, i) => `[v${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[r${i}]`),
    ];
    await Ffmpeg.run(
      "ffmpeg",
      [
        ...["-v", "error", "-y", "-copyts", ...Ffmpeg.input(job.chunkPath, "matroska")],
        ...["-filter_complex", graph.join(";"), ...FfmpegTranscoder.frameTiming],
        ...rungs.flatMap((r, i) => [
          ...["-map", `[r${i}]`, ...FfmpegTranscoder.ladderCodec],
          ...["-maxrate", String(r.maxBitrate), "-bufsize", String(r.maxBitrate * 2)],
          // The single run's caps: no more frames than the stretch holds, at most maxFps.
          ...["-frames:v", String(FfmpegTranscoder.maxFrames(chunk.endMs - chunk.startMs))],
          ...(probe.fps && probe.fps > maxFps ? ["-r", String(maxFps)] : []),
          ...Hls.output(dir, r.name, plan.hls.segmentSeconds, chunk.firstSegment),
        ]),
      ],
      opts,
    );
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
    return measured;
  }

  export type ChunkRung = {
    name: string;
    codec: string;
    width: number;
    height: number;
    init: string;
    segments: (Hls.Segment & { bytes: number })[];
  };

  /**
   * The rungs of the whole video from each chunk's: segments in chunk order, rated like
   * `Hls.measure` rates a single run's (peak over segments of at least a second, average overall).
   */
  export function joinLadder(chunks: { rungs: ChunkRung[] }[]): Hls.Measured[] {
    const first = chunks[0]?.rungs ?? [];
    return first.map((rung) => {
      const segments = chunks.flatMap((c) => {
        const same = c.rungs.find((r) => r.name === rung.name);
        if (!same) throw new MediaError("ffmpeg_failed", `A chunk has no ${rung.name} rung`, false);
        return same.segments;
      });
      const { name, codec, width, height, init } = rung;
      return { name, codec, width, height, init, ...rated(segments) };
    });
  }

  /** The audio rendition of the whole video from each chunk's (`ChunkAudio`), as `joinLadder`. */
  export function joinAudio(
    chunks: { audio?: Omit<ChunkAudio.Encoded, "segments"> & { segments: Sized[] } }[],
  ): Hls.Audio {
    const first = chunks[0]?.audio;
    if (!first || chunks.some((c) => !c.audio)) {
      throw new MediaError("ffmpeg_failed", "A chunk has no audio", false);
    }
    const { name, codec, channels, init } = first;
    return { name, codec, channels, init, ...rated(chunks.flatMap((c) => c.audio!.segments)) };
  }

  type Sized = Hls.Segment & { bytes: number };

  function rated(segments: Sized[]) {
    let peak = 0;
    let bits = 0;
    let total = 0;
    for (const s of segments) {
      bits += s.bytes * 8;
      total += s.duration;
      peak = Math.max(peak, (s.bytes * 8) / Math.max(s.duration, 1));
    }
    return {
      peakBitrate: Math.ceil(peak),
      averageBitrate: Math.ceil(bits / Math.max(total, 0.001)),
      segments: segments.map(({ uri, duration }) => ({ uri, duration })),
    };
  }

  /** A VOD media playlist in the form ffmpeg's hls muxer writes it. */
  export function playlist(rung: Pick<Hls.Measured, "init" | "segments">, segmentSeconds: number) {
    const target = Math.max(segmentSeconds, ...rung.segments.map((s) => Math.round(s.duration)));
    const lines = [
      "#EXTM3U",
      "#EXT-X-VERSION:7",
      `#EXT-X-TARGETDURATION:${target}`,
      "#EXT-X-MEDIA-SEQUENCE:0",
      "#EXT-X-PLAYLIST-TYPE:VOD",
      "#EXT-X-INDEPENDENT-SEGMENTS",
      `#EXT-X-MAP:URI="${rung.init}"`,
      ...rung.segments.flatMap((s) => [`#EXTINF:${s.duration.toFixed(6)},`, s.uri]),
      "#EXT-X-ENDLIST",
    ];
    return `${lines.join("\n")}\n`;
  }

  /** Downloads a rendition's init and segments into `dir/{name}/`, as `FfmpegTranscoder.download` reads them. */
  export async function fetchRendition(
    rendition: Pick<Hls.Measured, "name" | "init" | "segments">,
    keyOf: (file: string) => string,
    dir: string,
  ) {
    await mkdir(join(dir, rendition.name), { recursive: true });
    const files = [rendition.init, ...rendition.segments.map((s) => s.uri)];
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++]!;
        await Storage.download(keyOf(file), join(dir, rendition.name, file));
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }

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
