/**
 * Uploads built to make rushes spend far more than their bytes (issue 20's table): frames spread
 * over hours, a sample table that repeats one frame, and the static scene that must still pass.
 * Durations are the caller's, so tests scale them down with RUSHES_CHUNK_SECONDS.
 */
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { Ffmpeg } from "@rushes/core/media";

const exec = promisify(execFile);

async function ffmpeg(args: string[]) {
  await exec(Ffmpeg.paths().ffmpeg, ["-hide_banner", "-nostdin", "-v", "error", "-y", ...args]);
}

/** An MP4 of `frames` tiny frames spread evenly over `seconds` (2×2, 720 over 6 h in the table). */
export async function writeSpreadFrames(
  path: string,
  options: { frames: number; seconds: number; size?: string },
) {
  const { frames, seconds, size = "2x2" } = options;
  await ffmpeg([
    ...["-f", "lavfi", "-i", `testsrc2=size=${size}:rate=${frames}/${seconds}`],
    ...["-frames:v", String(frames), "-c:v", "libx264", "-preset", "ultrafast"],
    ...["-pix_fmt", "yuv420p", "-f", "mp4", path],
  ]);
  return path;
}

/** A camera's view of a still scene, encoded as a camera would (x264, keyframe every 2 s). */
export async function writeStaticScene(
  path: string,
  options: { seconds: number; size?: string; fps?: number },
) {
  const { seconds, size = "320x240", fps = 25 } = options;
  await ffmpeg([
    ...["-f", "lavfi", "-i", `color=c=gray:size=${size}:rate=${fps}:duration=${seconds}`],
    ...["-vf", "drawgrid=w=40:h=40:c=white", "-c:v", "libx264", "-preset", "veryfast"],
    ...["-g", String(fps * 2), "-pix_fmt", "yuv420p", "-f", "mp4", path],
  ]);
  return path;
}

/**
 * An MP4 whose `samples` video samples all point at its one real frame: a single keyframe of
 * `size` is encoded, then the sample table is rewritten (one sample per chunk, every chunk
 * offset and every size that frame's), with `fps` timing. The moov follows the mdat (the
 * muxer's default), so growing it moves no sample.
 */
export async function writeRepeatedSamples(
  path: string,
  options: { samples: number; fps: number; size?: string },
) {
  const { samples, fps, size = "320x240" } = options;
  const single = `${path}.one.mp4`;
  await ffmpeg([
    ...["-f", "lavfi", "-i", `testsrc2=size=${size}:rate=${fps}`, "-frames:v", "1"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "mp4", single],
  ]);
  const data = await readFile(single);
  await rm(single, { force: true });
  await writeFile(path, repeatSamples(data, samples, fps));
  return path;
}

type Box = { type: string; payload: Buffer; children?: Box[] };
const containers = new Set(["moov", "trak", "mdia", "minf", "stbl", "edts", "dinf"]);

function parse(data: Buffer, deep: boolean): Box[] {
  const boxes: Box[] = [];
  let at = 0;
  while (at + 8 <= data.length) {
    const size = data.readUInt32BE(at) || data.length - at;
    const type = data.toString("latin1", at + 4, at + 8);
    const payload = data.subarray(at + 8, at + size);
    boxes.push(
      deep && containers.has(type)
        ? { type, payload, children: parse(payload, true) }
        : { type, payload },
    );
    at += size;
  }
  return boxes;
}

function build(boxes: Box[]): Buffer {
  return Buffer.concat(
    boxes.map((box) => {
      const payload = box.children ? build(box.children) : box.payload;
      const head = Buffer.alloc(8);
      head.writeUInt32BE(payload.length + 8);
      head.write(box.type, 4, "latin1");
      return Buffer.concat([head, payload]);
    }),
  );
}

const fullBox = (...words: number[]) => {
  const b = Buffer.alloc(4 + words.length * 4);
  for (const [i, w] of words.entries()) b.writeUInt32BE(w, 4 + i * 4);
  return b;
};

function repeatSamples(file: Buffer, samples: number, fps: number): Buffer {
  const top = parse(file, true);
  const moov = top.find((b) => b.type === "moov")!;
  const find = (boxes: Box[], type: string) => boxes.find((b) => b.type === type)!;
  const trak = find(moov.children!, "trak");
  const mdia = find(trak.children!, "mdia");
  const stbl = find(find(mdia.children!, "minf").children!, "stbl");
  const get = (type: string) => find(stbl.children!, type).payload;
  const stsz = get("stsz");
  const frameSize = stsz.readUInt32BE(4) || stsz.readUInt32BE(12);
  const stco = get("stco");
  const offset = stco.readUInt32BE(8);
  const timescale = find(mdia.children!, "mdhd").payload.readUInt32BE(12);
  const delta = Math.round(timescale / fps);

  const offsets = Buffer.alloc(4 + 4 + samples * 4);
  offsets.writeUInt32BE(samples, 4);
  for (let i = 0; i < samples; i++) offsets.writeUInt32BE(offset, 8 + i * 4);
  const table: Record<string, Buffer> = {
    stsz: fullBox(frameSize, samples),
    stco: offsets,
    stsc: fullBox(1, 1, 1, 1),
    stts: fullBox(1, samples, delta),
  };
  // Every sample is that keyframe: no sync table (all sync), no composition offsets.
  stbl.children = stbl
    .children!.filter((b) => !["stss", "ctts", "sdtp", "sgpd", "sbgp", "co64"].includes(b.type))
    .map((b) => (table[b.type] ? { type: b.type, payload: table[b.type]! } : b));
  // The durations the headers declare, so the probe sees the whole timeline.
  const mdhd = find(mdia.children!, "mdhd").payload;
  mdhd.writeUInt32BE(samples * delta, 16);
  const mvhd = find(moov.children!, "mvhd").payload;
  const tkhd = find(trak.children!, "tkhd").payload;
  const movieDuration = Math.round(((samples * delta) / timescale) * mvhd.readUInt32BE(12));
  mvhd.writeUInt32BE(movieDuration, 16);
  tkhd.writeUInt32BE(movieDuration, 20);
  trak.children = trak.children!.filter((b) => b.type !== "edts");
  return Buffer.concat(
    top.map((b) =>
      b.type === "moov" ? build([moov]) : build([{ type: b.type, payload: b.payload }]),
    ),
  );
}
