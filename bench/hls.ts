// HLS figures: the full ingest (ladder + downloads + thumbnails + storyboard) against today's MP4
// plan and against the sum of its parts, and the playback route's playlist rewrite.
import { generateKeyPairSync } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Ffmpeg, FfmpegTranscoder, Hls, Plan, Probe, Storyboard } from "@rushes/core/media";
import { Thumbnails } from "@rushes/core/media/ffmpeg/thumbnails";
import { Playback, Playlist, Signer } from "@rushes/core/playback";
import { alternate, pairedRatio, progress, quick, round, scratch } from "./lib";

const widths = [300, 640, 1500, 3000];

export interface HlsResult {
  vsMp4Plan: number;
  floorRatio: number;
  detail: Record<string, unknown>;
}

/**
 * - `full`: `FfmpegTranscoder.render`, what ingest runs now.
 * - `mp4Plan`: what ingest ran before the ladder, in one run: a split into the 720p and 480p MP4
 *   encodes and the thumbnails.
 * - `decode`: a decode-only pass; each `only:*` variant decodes and makes one output alone, so its
 *   time minus `decode` is that output's encode-only time.
 */
export async function measureHls(sourcePath: string, rounds: number): Promise<HlsResult> {
  const dir = await scratch("hls");
  const probe = await Probe.file(sourcePath);
  const plan = Plan.forVideo("vid_bench", probe, widths, undefined, Plan.oneRunSegmentSeconds);
  const input = Ffmpeg.input(sourcePath, probe.formatName);
  const fresh = () => mkdtemp(join(dir, "run-"));
  const run = async (args: (workDir: string) => Promise<string[]> | string[]) => {
    const workDir = await fresh();
    try {
      await Ffmpeg.run("ffmpeg", ["-v", "error", "-y", ...(await args(workDir))]);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  };
  const audio = plan.audio ? FfmpegTranscoder.audioCodec : ["-an"];

  const mp4Plan = (workDir: string) => {
    const n = plan.renditions.length;
    const thumbs = Thumbnails.graph("vt", plan.thumbnails, "t", plan.thumbnailAtMs / 1000);
    const graph = [
      `[0:v:0]split=${n + 1}${plan.renditions.map((_, i) => `[v${i}]`).join("")}[vt]`,
      ...plan.renditions.map(
        (r, i) => `[v${i}]scale=${r.width}:${r.height},setsar=1,format=yuv420p[r${i}]`,
      ),
      thumbs.graph,
    ];
    return [
      ...input,
      ...["-filter_complex", graph.join(";")],
      ...plan.renditions.flatMap((r, i) => [
        ...["-map", `[r${i}]`, ...(plan.audio ? ["-map", "0:a:0"] : [])],
        ...FfmpegTranscoder.videoCodec,
        ...["-maxrate", String(r.maxBitrate), "-bufsize", String(r.maxBitrate * 2)],
        ...audio,
        ...FfmpegTranscoder.mp4,
        join(workDir, `${r.name}.mp4`),
      ]),
      ...thumbs.labels.flatMap((label, i) =>
        Thumbnails.output(label, join(workDir, `thumb-${i}.jpg`)),
      ),
    ];
  };

  const only: Record<string, (workDir: string) => Promise<string[]>> = {};
  for (const rung of plan.hls.rungs) {
    only[`only:${rung.name}`] = async (workDir) => {
      await mkdir(join(workDir, rung.name));
      return [
        ...input,
        ...["-map", "0:v:0", "-vf", `scale=${rung.width}:${rung.height},setsar=1,format=yuv420p`],
        ...FfmpegTranscoder.ladderCodec,
        ...["-maxrate", String(rung.maxBitrate), "-bufsize", String(rung.maxBitrate * 2)],
        ...Hls.output(workDir, rung.name, plan.hls.segmentSeconds),
      ];
    };
  }
  if (plan.hls.audio) {
    only["only:audio"] = async (workDir) => {
      await mkdir(join(workDir, "audio"));
      return [
        ...input,
        ...["-map", "0:a:0", ...FfmpegTranscoder.audioCodec],
        ...Hls.output(workDir, "audio", plan.hls.segmentSeconds),
      ];
    };
  }
  only["only:thumbnails"] = async (workDir) => {
    const thumbs = Thumbnails.graph("0:v:0", plan.thumbnails, "t", plan.thumbnailAtMs / 1000);
    return [
      ...input,
      ...["-filter_complex", thumbs.graph],
      ...thumbs.labels.flatMap((label, i) => Thumbnails.output(label, join(workDir, `t${i}.jpg`))),
    ];
  };
  only["only:storyboard"] = async (workDir) => [
    ...input,
    ...["-filter_complex", Storyboard.graph("0:v:0", plan.storyboard, "sb")],
    ...Storyboard.output("sb", workDir),
  ];

  const variants: Record<string, () => Promise<unknown>> = {
    full: async () => {
      const workDir = await fresh();
      await FfmpegTranscoder.render({ sourcePath, workDir, probe, plan });
      await rm(workDir, { recursive: true, force: true });
    },
    mp4Plan: () => run(mp4Plan),
    decode: () => run(() => [...input, "-f", "null", "-"]),
    ...Object.fromEntries(Object.entries(only).map(([name, args]) => [name, () => run(args)])),
  };

  progress(
    `hls: ${plan.hls.rungs.map((r) => r.name).join(" + ")} + audio + ${plan.renditions.length} MP4 downloads + ${plan.thumbnails.length} thumbnails + storyboard, ${rounds} rounds of ${Object.keys(variants).length} variants`,
  );
  const { wall: t, cpu } = await alternate("hls", rounds, variants);
  const parts = Object.keys(only);
  // Per round: decode + Σ (output alone − decode).
  const floor = t.decode!.map(
    (decode, i) => decode + parts.reduce((sum, p) => sum + Math.max(0, t[p]![i]! - decode), 0),
  );
  const medians = Object.fromEntries(
    Object.entries(t).map(([k, v]) => [
      k,
      round([...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]! / 1000, 2),
    ]),
  );
  return {
    vsMp4Plan: round(pairedRatio(t.full!, t.mp4Plan!)),
    floorRatio: round(pairedRatio(t.full!, floor)),
    detail: {
      rungs: plan.hls.rungs.map((r) => `${r.name} ${r.width}x${r.height}`),
      medianSeconds: medians,
      floorSeconds: round(
        [...floor].sort((a, b) => a - b)[Math.floor(floor.length / 2)]! / 1000,
        2,
      ),
      cpuRatios: {
        vsMp4Plan: round(pairedRatio(cpu.full!, cpu.mp4Plan!)),
      },
      rounds,
    },
  };
}

/**
 * The playback route's work for one rung playlist of an hour (600 segments): find the URIs, sign
 * them (CloudFront: one policy per token), rewrite. In-process, p99 over many runs.
 */
export async function measureRewrite(): Promise<{
  p99Ms: number;
  detail: Record<string, unknown>;
}> {
  const videoId = "vid_01jd7m3y8q4k6x2v9c0b5n1e7r";
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:7",
    "#EXT-X-TARGETDURATION:6",
    "#EXT-X-PLAYLIST-TYPE:VOD",
  ];
  lines.push('#EXT-X-MAP:URI="init.mp4"');
  for (let i = 0; i < 600; i++)
    lines.push("#EXTINF:6.000000,", `${String(i).padStart(5, "0")}.m4s`);
  const text = `${lines.join("\n")}\n#EXT-X-ENDLIST\n`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signer = Signer.cloudFront({
    url: "https://d1.cloudfront.net",
    keyPairId: "K2JCJMDEHXQW5F",
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  });
  const expiresAt = Math.floor(Date.now() / 1000) + 6 * 3600;
  const once = (exp: number) =>
    Playback.signAll(
      text,
      () => Playlist.uris(text),
      Playlist.rewrite,
      (uri) => `media/${videoId}/hls/720p/${uri}`,
      signer,
    )(videoId, exp);
  const sample = async (runs: number, freshToken: boolean) => {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      // A fresh token each time signs a new policy too (the first request of a viewer).
      await once(freshToken ? expiresAt + i + 1 : expiresAt);
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return {
      p50: round(times[Math.floor(runs * 0.5)]!, 3),
      p99: round(times[Math.floor(runs * 0.99)]!, 3),
    };
  };
  await sample(200, false);
  const runs = quick ? 500 : 2000;
  const cached = await sample(runs, false);
  const fresh = await sample(quick ? 200 : 500, true);
  // Not in the figure: the route then gzips the playlist for clients that accept it.
  const body = await once(expiresAt);
  const zipped = gzipSync(body, { level: 1 });
  const gzipTimes: number[] = [];
  for (let i = 0; i < (quick ? 200 : 1000); i++) {
    const start = performance.now();
    gzipSync(body, { level: 1 });
    gzipTimes.push(performance.now() - start);
  }
  gzipTimes.sort((a, b) => a - b);
  const gzip = {
    bytes: zipped.length,
    p50: round(gzipTimes[Math.floor(gzipTimes.length * 0.5)]!, 3),
    p99: round(gzipTimes[Math.floor(gzipTimes.length * 0.99)]!, 3),
  };
  progress(
    `playback: rewrite of 600 segments p50 ${cached.p50} ms, p99 ${cached.p99} ms; new token p99 ${fresh.p99} ms; gzip ${body.length} → ${gzip.bytes} B, p99 ${gzip.p99} ms`,
  );
  return {
    p99Ms: fresh.p99,
    detail: {
      playlistBytes: text.length,
      signedBytes: body.length,
      gzip,
      segments: 600,
      sameToken: cached,
      newTokenEachTime: fresh,
      runs,
    },
  };
}
