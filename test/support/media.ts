/**
 * Media for tests and benchmarks: tiny generated videos (lavfi testsrc2 + sine, through the same
 * ffmpeg the code resolves), independent ffprobe inspection of outputs, and the hostile files
 * the hardening must survive (random bytes, truncation, HLS playlists, the AVI/GAB2 attack) with
 * a canary that proves whether ffmpeg ever opened a file.
 */
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { closeSync, constants, openSync, readSync } from "node:fs";
import { copyFile, open, readFile, rm, writeFile } from "node:fs/promises";
import { extname, join } from "node:path";
import { promisify } from "node:util";
import { Ffmpeg } from "@rushes/core/media";

const exec = promisify(execFile);

export type VideoOptions = {
  /** Output file; the extension picks the container (.mp4, .mov, .mkv, .ts, .avi). */
  path: string;
  width?: number;
  height?: number;
  seconds?: number;
  fps?: number;
  audio?: boolean;
  /** Keyframe interval; generated GOPs are fixed (no scene-cut keyframes). */
  gopSeconds?: number;
  /** Display-matrix rotation, as phones record portrait video. */
  rotate?: 0 | 90 | 180 | 270;
  /** MP4/MOV only: false leaves the moov after mdat (the muxer's default layout). */
  faststart?: boolean;
  /** x264 preset; "veryfast" (default) uses B-frames like real footage. */
  preset?: string;
  /** Starts on black and fades in over this long, like most camera and edited footage. */
  fadeInSeconds?: number;
  /**
   * Written through a pipe, as a live recorder writes: the muxer cannot seek back, so the file
   * carries no duration (Matroska) or index at the end (MP4 would need fragmenting; use .mkv).
   */
  live?: boolean;
};

/** Generates a test pattern video (moving testsrc2, optional 440 Hz tone) and returns its path. */
export async function generateVideo(options: VideoOptions): Promise<string> {
  const o = {
    width: 320,
    height: 180,
    seconds: 2,
    fps: 25,
    audio: true,
    gopSeconds: 1,
    ...options,
  };
  const mp4Like = [".mp4", ".mov"].includes(extname(o.path));
  const target = o.rotate ? `${o.path}.unrotated${extname(o.path)}` : o.path;
  const gop = String(Math.max(1, Math.round(o.gopSeconds * o.fps)));
  await ffmpeg([
    ...[
      "-f",
      "lavfi",
      "-i",
      `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}:duration=${o.seconds}`,
    ],
    ...(o.audio
      ? ["-f", "lavfi", "-i", `sine=frequency=440:sample_rate=48000:duration=${o.seconds}`]
      : []),
    ...(o.fadeInSeconds ? ["-vf", `fade=type=in:start_time=0:duration=${o.fadeInSeconds}`] : []),
    ...["-c:v", "libx264", "-preset", o.preset ?? "veryfast", "-pix_fmt", "yuv420p"],
    ...["-g", gop, "-keyint_min", gop, "-sc_threshold", "0"],
    ...(o.audio ? ["-c:a", "aac", "-b:a", "64k"] : []),
    ...(mp4Like && o.faststart !== false ? ["-movflags", "+faststart"] : []),
    ...(o.live ? ["-f", "matroska", "pipe:1"] : [target]),
  ]).then(async (stdout) => {
    if (o.live) await writeFile(target, stdout);
  });
  if (o.rotate) {
    // ffmpeg 4 writes the display matrix only when remuxing, not while encoding.
    await ffmpeg(["-i", target, "-c", "copy", "-metadata:s:v:0", `rotate=${o.rotate}`, o.path]);
    await rm(target, { force: true });
  }
  return o.path;
}

export type Inspection = {
  formatName: string;
  durationMs: number;
  bytes: number;
  video?: { codec: string; profile?: string; width: number; height: number; pixFmt?: string };
  audio?: { codec: string; channels?: number };
  rotation?: number;
};

/** ffprobe, straight: an independent view of an output, not the code under test. */
export async function inspect(path: string): Promise<Inspection> {
  const { stdout } = await exec(Ffmpeg.paths().ffprobe, [
    ...["-v", "error", "-show_format", "-show_streams", "-of", "json", path],
  ]);
  const json = JSON.parse(stdout) as {
    format: { format_name: string; duration?: string; size?: string };
    streams: Array<Record<string, unknown> & { codec_type: string; codec_name: string }>;
  };
  const video = json.streams.find((s) => s.codec_type === "video");
  const audio = json.streams.find((s) => s.codec_type === "audio");
  const sideData = (video?.side_data_list ?? []) as Array<{ rotation?: number }>;
  return {
    formatName: json.format.format_name,
    durationMs: Math.round(Number(json.format.duration ?? 0) * 1000),
    bytes: Number(json.format.size ?? 0),
    ...(video
      ? {
          video: {
            codec: video.codec_name,
            profile: video.profile as string | undefined,
            width: video.width as number,
            height: video.height as number,
            pixFmt: video.pix_fmt as string | undefined,
          },
        }
      : {}),
    ...(audio ? { audio: { codec: audio.codec_name, channels: audio.channels as number } } : {}),
    ...(sideData[0]?.rotation !== undefined ? { rotation: sideData[0].rotation } : {}),
  };
}

/** Presentation times (s) of every video frame, and of the keyframes among them. */
export async function videoFrames(path: string) {
  const { stdout } = await exec(Ffmpeg.paths().ffprobe, [
    ...["-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags"],
    ...["-of", "csv=p=0", path],
  ]);
  const packets = stdout
    .trim()
    .split("\n")
    .map((line) => line.split(","))
    .map(([pts, flags]) => ({ pts: Number(pts), key: (flags ?? "").includes("K") }))
    .sort((a, b) => a.pts - b.pts);
  return {
    all: packets.map((p) => p.pts),
    keyframes: packets.filter((p) => p.key).map((p) => p.pts),
  };
}

/** Average luma (0-255) of the first frame of an image or video: near 16 means black. */
export async function averageLuma(path: string): Promise<number> {
  const { stderr } = await exec(Ffmpeg.paths().ffmpeg, [
    ...["-hide_banner", "-nostdin", "-i", path, "-frames:v", "1"],
    ...["-vf", "signalstats,metadata=mode=print:key=lavfi.signalstats.YAVG", "-f", "null", "-"],
  ]);
  const match = /lavfi\.signalstats\.YAVG=([\d.]+)/.exec(stderr);
  if (!match) throw new Error(`no luma reading for ${path}`);
  return Number(match[1]);
}

/**
 * PSNR (dB) between frame `aIndex` of `a` and frame `bIndex` of `b`: the matching frame of a
 * re-encode scores clearly higher than its neighbours, which makes cuts checkable to the frame.
 */
export async function framePsnr(a: string, aIndex: number, b: string, bIndex: number) {
  const pick = (i: number) => `select=eq(n\\,${i}),setpts=PTS-STARTPTS,format=yuv420p`;
  const { stderr } = await exec(Ffmpeg.paths().ffmpeg, [
    ...["-hide_banner", "-nostdin", "-i", a, "-i", b, "-filter_complex"],
    `[0:v]${pick(aIndex)}[a];[1:v]${pick(bIndex)}[b];[a][b]psnr`,
    ...["-frames:v", "1", "-f", "null", "-"],
  ]);
  const match = /average:([\d.]+|inf)/.exec(stderr);
  if (!match) throw new Error(`no PSNR between ${a}#${aIndex} and ${b}#${bIndex}`);
  return match[1] === "inf" ? Number.POSITIVE_INFINITY : Number(match[1]);
}

/** Top-level MP4 box types in file order; "faststart" means moov comes before mdat. */
export async function mp4Boxes(path: string): Promise<string[]> {
  const data = await readFile(path);
  const boxes: string[] = [];
  let offset = 0;
  while (offset + 8 <= data.length) {
    let size = data.readUInt32BE(offset);
    const type = data.toString("latin1", offset + 4, offset + 8);
    if (size === 1) size = Number(data.readBigUInt64BE(offset + 8));
    if (size === 0) size = data.length - offset;
    if (size < 8) break;
    boxes.push(type);
    offset += size;
  }
  return boxes;
}

// ---- hostile inputs -------------------------------------------------------------------------

/**
 * Noise from a fixed seed (SHA-256 in counter mode): the same bytes every run, so what a given
 * ffprobe makes of them never changes between runs. Truly random bytes now and then look enough
 * like some container's header to be probed as one.
 */
export async function writeRandomBytes(path: string, bytes = 256 * 1024): Promise<string> {
  const blocks: Buffer[] = [];
  for (let i = 0; blocks.length * 32 < bytes; i++) {
    blocks.push(createHash("sha256").update(`rushes-noise-${i}`).digest());
  }
  await writeFile(path, Buffer.concat(blocks).subarray(0, bytes));
  return path;
}

export async function writeEmpty(path: string): Promise<string> {
  await writeFile(path, "");
  return path;
}

/** Keeps the first `fraction` of `source`: a cut-off upload. */
export async function writeTruncated(source: string, path: string, fraction = 0.5) {
  const data = await readFile(source);
  await writeFile(path, data.subarray(0, Math.floor(data.length * fraction)));
  return path;
}

/** An HLS media playlist whose only segment is `target` (a path or a URL such as file:///…). */
export function hlsPlaylist(target: string): string {
  return [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    "#EXT-X-TARGETDURATION:10",
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXTINF:10.0,",
    target,
    "#EXT-X-ENDLIST",
    "",
  ].join("\n");
}

export async function writePlaylist(path: string, target: string): Promise<string> {
  await writeFile(path, hlsPlaylist(target));
  return path;
}

/**
 * The published "AVI with an embedded HLS playlist" exploit shape (CVE-2017-9993 family): an AVI
 * whose only stream is a `txts` subtitle stream carrying a GAB2 chunk. Old ffmpeg probed the GAB2
 * payload with every demuxer, so an HLS playlist inside it made ffmpeg fetch `target` and
 * render it as video. Each stream the attack needs is here; only the playlist target varies.
 */
export async function writeAviWithHlsPlaylist(path: string, target: string): Promise<string> {
  const avih = Buffer.alloc(56);
  avih.writeUInt32LE(40_000, 0); // µs per frame
  avih.writeUInt32LE(0x10, 12); // AVIF_HASINDEX
  avih.writeUInt32LE(1, 16); // total frames
  avih.writeUInt32LE(1, 24); // streams
  avih.writeUInt32LE(160, 32);
  avih.writeUInt32LE(160, 36);
  const strh = Buffer.alloc(56);
  strh.write("txts", 0, "latin1"); // a subtitle stream; fccHandler 0 so GAB2 is parsed
  strh.writeUInt32LE(1, 20); // scale
  strh.writeUInt32LE(25, 24); // rate
  strh.writeUInt32LE(1, 32); // length
  const playlist = Buffer.from(hlsPlaylist(target), "utf8");
  const gab2 = Buffer.alloc(17);
  gab2.write("GAB2", 0, "latin1"); // "GAB2\0", then version 2
  gab2.writeUInt16LE(2, 5);
  gab2.writeUInt32LE(0, 7); // empty stream title
  gab2.writeUInt16LE(4, 11);
  gab2.writeUInt32LE(playlist.length, 13);
  const packet = Buffer.concat([gab2, playlist]);
  const index = Buffer.alloc(16);
  index.write("00tx", 0, "latin1");
  index.writeUInt32LE(0x10, 4); // keyframe
  index.writeUInt32LE(4, 8);
  index.writeUInt32LE(packet.length, 12);
  const file = riff("RIFF", "AVI ", [
    riff("LIST", "hdrl", [
      chunk("avih", avih),
      riff("LIST", "strl", [chunk("strh", strh), chunk("strf", Buffer.alloc(40))]),
    ]),
    riff("LIST", "movi", [chunk("00tx", packet)]),
    chunk("idx1", index),
  ]);
  await writeFile(path, file);
  return path;
}

function chunk(id: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, "latin1");
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, Buffer.alloc(data.length % 2)]);
}

function riff(id: string, type: string, parts: Buffer[]): Buffer {
  return chunk(id, Buffer.concat([Buffer.from(type, "latin1"), ...parts]));
}

export type Canary = {
  /** A named pipe ending in .mp4, so HLS's extension allow-list would accept it as a segment. */
  path: string;
  /** Unique text served to whoever opens the pipe; it must never show up in any output. */
  secret: string;
  /**
   * Ends the trap; `opened` is true if anything opened the pipe before. Call once, at the end:
   * `expect((await trap.release()).opened).toBe(false)`.
   */
  release(): Promise<{ opened: boolean }>;
};

/**
 * A file nobody may open. A writer waits on the FIFO; any reader (ffmpeg) receives the secret.
 * `release` opens the read end itself: if it then gets the secret, nobody else took it. Keep to
 * one or two live canaries at once: each blocked writer holds a libuv pool thread.
 */
export async function canary(dir: string): Promise<Canary> {
  const path = join(dir, `canary-${randomUUID().slice(0, 8)}.mp4`);
  const secret = `rushes-canary-${randomUUID()}`;
  await exec("mkfifo", [path]);
  const writer = open(path, "w").then(async (handle) => {
    await handle.write(`${secret}\n`).catch(() => undefined);
    await handle.close();
  });
  return {
    path,
    secret,
    async release() {
      const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        await writer;
        const buffer = Buffer.alloc(4096);
        let read = 0;
        try {
          read = readSync(fd, buffer);
        } catch {}
        return { opened: !buffer.toString("utf8", 0, read).includes(secret) };
      } finally {
        closeSync(fd);
      }
    },
  };
}

/**
 * A Matroska file with `frames` frames at `fps` and one more at `lastAtSeconds`: tiny on disk and
 * within the duration cap, but a constant-frame-rate encoder fills the gap with duplicates
 * (lastAtSeconds × fps of them per output). Each frame keeps its own timestamp in the file.
 */
export async function writeTimestampGap(
  path: string,
  options: { frames?: number; fps?: number; lastAtSeconds?: number } = {},
): Promise<string> {
  const { frames = 4, fps = 60, lastAtSeconds = 3590 } = options;
  await ffmpeg([
    ...["-f", "lavfi", "-i", `testsrc2=size=320x240:rate=${fps}`, "-frames:v", String(frames + 1)],
    ...["-vf", `setpts='if(eq(N,${frames}),${lastAtSeconds}/TB,PTS)'`, "-vsync", "vfr"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "matroska", path],
  ]);
  return path;
}

/**
 * An MPEG-TS stream whose frames grow mid-way: `first` for the first second, then `second`. Probes
 * (which read the first frame's size) see only `first`. H.264 carries the size in each sequence
 * header, so two elementary streams simply concatenated make one stream that changes size.
 */
export async function writeResolutionChange(
  path: string,
  first: { width: number; height: number },
  second: { width: number; height: number; seconds?: number },
): Promise<string> {
  const part = async (size: { width: number; height: number }, seconds: number, name: string) => {
    const out = `${path}.${name}.h264`;
    await ffmpeg([
      ...["-f", "lavfi", "-i", `testsrc2=size=${size.width}x${size.height}:rate=25`],
      ...["-t", String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25"],
      ...["-pix_fmt", "yuv420p", "-f", "h264", out],
    ]);
    return readFile(out).finally(() => rm(out, { force: true }));
  };
  const joined = `${path}.h264`;
  await writeFile(
    joined,
    Buffer.concat([await part(first, 1, "a"), await part(second, second.seconds ?? 1, "b")]),
  );
  await ffmpeg(["-r", "25", "-f", "h264", "-i", joined, "-c", "copy", "-f", "mpegts", path]);
  await rm(joined, { force: true });
  return path;
}

/** Copies a file under a new name (e.g. the extension-less `source` ingest downloads to). */
export async function copyAs(source: string, path: string): Promise<string> {
  await copyFile(source, path);
  return path;
}

async function ffmpeg(args: string[]): Promise<Buffer> {
  const { stdout } = await exec(
    Ffmpeg.paths().ffmpeg,
    ["-hide_banner", "-nostdin", "-v", "error", "-y", ...args],
    { encoding: "buffer", maxBuffer: 256 * 1024 * 1024 },
  );
  return stdout;
}

/**
 * Lossless x264 over full-frame noise: every frame costs about its raw size, so 1.2 seconds of
 * 640×360 make 10+ MiB (three 5 MiB parts) in well under a second of encoding, and it is still a
 * playable video.
 */
export async function noisyVideo(path: string) {
  await exec(Ffmpeg.paths().ffmpeg, [
    ...["-v", "error", "-y", "-f", "lavfi"],
    ...["-i", "testsrc2=size=640x360:rate=25:duration=1.2", "-vf", "noise=alls=100:allf=t+u"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p"],
    ...["-movflags", "+faststart", path],
  ]);
  return path;
}

/**
 * A 320x180 video whose audio is `audio`, a lavfi source graph (a tone at a known level, noise
 * with clicks, silence), encoded as AAC at 192 kb/s: sources for the loudness tests.
 */
export async function videoWithAudio(path: string, audio: string, seconds: number) {
  await ffmpeg([
    ...["-f", "lavfi", "-i", `testsrc2=size=320x180:rate=25:duration=${seconds}`],
    ...["-f", "lavfi", "-i", audio, "-t", String(seconds)],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "25"],
    ...["-c:a", "aac", "-b:a", "192k", "-movflags", "+faststart", path],
  ]);
  return path;
}

/**
 * EBU R128 figures of a file's first audio stream by ffmpeg's loudnorm analysis: an independent
 * measurement, not the ebur128 filter the code under test runs.
 */
export async function measureLoudness(path: string) {
  const { stderr } = await exec(Ffmpeg.paths().ffmpeg, [
    ...["-hide_banner", "-nostdin", "-nostats", "-v", "info", "-i", path, "-map", "0:a:0"],
    ...["-af", "loudnorm=print_format=json", "-f", "null", "-"],
  ]);
  const figure = (name: string) => Number(new RegExp(`"${name}" : "([^"]+)"`).exec(stderr)?.[1]);
  return { integratedLufs: figure("input_i"), truePeakDbtp: figure("input_tp") };
}
