// Figures against the embedded runtime: listing, API throughput, and the ingest's memory.
import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import type { S3Event } from "aws-lambda";
import { startHarness } from "../test/integration/harness";
import { writeResolutionChange, writeTimestampGap } from "../test/support/media";
import { bundle } from "./bundle";
import { format, progress, quick, root, round, scratch } from "./lib";
import { measureListing } from "./listing";
import { watchTree } from "./procs";

const exec = promisify(execFile);

export interface SystemResult {
  listing: { deepPageRatio: number; scanVsQuery: number };
  api: { presignRps: number; listRps: number };
  ingest: { peakRssMB: number };
  detail: Record<string, unknown>;
}

type IngestRun = {
  ms: number;
  nodeKiB: number;
  /** process.memoryUsage() after loading the bundle, and its peaks while the handler ran (bytes). */
  memory: { loadedRss: number; peak: Record<string, number> };
  children: { name: string; hwmKiB: number }[];
  maxTotalKiB: number;
};

/**
 * Runs the ingest handler bundled as SST would ship it, in its own node process, as one Lambda
 * invocation: the process tree's peak memory is what the function's memory setting must hold.
 */
const runner = `
const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sample = () => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], m[k]);
};
const timer = setInterval(sample, 50);
const { handler } = await import(process.env.BENCH_BUNDLE);
const loadedRss = process.memoryUsage().rss;
await handler(JSON.parse(process.env.BENCH_EVENT));
clearInterval(timer);
sample();
// VmHWM, not getrusage: ru_maxrss survives execve, so a child forked from a big parent reports
// the parent's size.
const { readFileSync } = await import("node:fs");
const hwmKiB = Number(/^VmHWM:\\s+(\\d+)/m.exec(readFileSync("/proc/self/status", "utf8"))[1]);
process.stdout.write(JSON.stringify({ hwmKiB, loadedRss, peak }) + "\\n");
`;

export async function measureSystem(sourcePath: string): Promise<SystemResult> {
  const dir = await scratch("ingest");
  const ingestBundle = await bundle(
    join(root, "packages/functions/src/ingest.ts"),
    join(dir, "ingest.mjs"),
  );
  const { Ffmpeg } = await import("@rushes/core/media");
  const runs: IngestRun[] = [];
  const ingest = (event: S3Event) =>
    new Promise<void>((resolve, reject) => {
      const { NODE_OPTIONS: _, ...env } = process.env;
      const started = performance.now();
      const child = spawn(process.execPath, ["--input-type=module", "-e", runner], {
        env: {
          ...env,
          BENCH_BUNDLE: ingestBundle.path,
          BENCH_EVENT: JSON.stringify(event),
          FFMPEG_PATH: Ffmpeg.paths().ffmpeg,
          FFPROBE_PATH: Ffmpeg.paths().ffprobe,
        },
        stdio: ["ignore", "pipe", "inherit"],
      });
      const watch = watchTree(child.pid!);
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.on("close", (code) => {
        const peak = watch.stop();
        if (code !== 0) return reject(new Error(`ingest child exited with ${code}`));
        const { hwmKiB, ...memory } = JSON.parse(stdout.trim().split("\n").pop()!) as {
          hwmKiB: number;
        } & IngestRun["memory"];
        runs.push({
          ms: performance.now() - started,
          nodeKiB: hwmKiB,
          memory,
          children: [...peak.byPid.entries()]
            .filter(([pid]) => pid !== child.pid)
            .map(([, p]) => p),
          maxTotalKiB: peak.maxTotalKiB,
        });
        resolve();
      });
    });

  // dynalite 4.0.0 can read a query's LevelDB iterator after closing it, from a stream tick that
  // fires once the query has already answered; under concurrent queries that throws out of band
  // and would end the process. The answer is unaffected, so count these and carry on.
  let staleIteratorReads = 0;
  const tolerate = (error: Error & { code?: string }) => {
    if (error?.code === "LEVEL_ITERATOR_NOT_OPEN") {
      staleIteratorReads++;
      return;
    }
    console.error(error);
    process.exit(1);
  };
  process.on("uncaughtException", tolerate);

  progress("system: starting the embedded runtime (dynalite, s3rver, fauxqs)");
  const h = await startHarness({ handlers: { ingest } });
  try {
    const list = await measureListing(h);
    const rps = await measureRps(h, list.key);
    const run = await measureIngest(h, sourcePath, runs);
    const hostile = await measureHostile(h, runs);
    return {
      listing: { deepPageRatio: list.deepPageRatio, scanVsQuery: list.scanVsQuery },
      api: { presignRps: rps.presign.rps, listRps: rps.list.rps },
      ingest: { peakRssMB: run.peakRssMB },
      detail: { listing: list.detail, rps, ingest: run.detail, hostile, staleIteratorReads },
    };
  } finally {
    await h.stop();
    process.off("uncaughtException", tolerate);
  }
}

type Harness = Awaited<ReturnType<typeof startHarness>>;

async function autocannon(url: string, args: string[]) {
  const seconds = quick ? 2 : 8;
  const { stdout } = await exec(
    process.execPath,
    [
      join(root, "node_modules/autocannon/autocannon.js"),
      ...["-j", "-c", "8", "-d", String(seconds), "--warmup", "[", "-c", "2", "-d", "1", "]"],
      ...args,
      url,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  // With a warmup, autocannon prints the warmup's result first: the last line is the run's.
  const last = stdout
    .trim()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .pop()!;
  const out = JSON.parse(last) as {
    requests: { average: number };
    latency: { p50: number; p99: number };
    non2xx: number;
    errors: number;
    "2xx": number;
  };
  if (out.non2xx || out.errors || !out["2xx"]) {
    throw new Error(`${url}: ${out.non2xx} non-2xx and ${out.errors} errors of ${out["2xx"]} ok`);
  }
  return {
    rps: round(out.requests.average, 1),
    p50Ms: out.latency.p50,
    p99Ms: out.latency.p99,
    requests: out["2xx"],
    seconds,
  };
}

async function measureRps(h: Harness, listKey: string) {
  const presignKey = await h.newKey("bench-presign");
  progress("api: GET /v1/videos?limit=50 with autocannon (8 connections)");
  const list = await autocannon(`${h.runtime.url}/v1/videos?limit=50`, [
    ...["-H", `authorization=Bearer ${listKey}`],
  ]);
  progress(`api: ${list.rps} listings/s; POST /v1/uploads with autocannon`);
  const presign = await autocannon(`${h.runtime.url}/v1/uploads`, [
    ...["-m", "POST", "-H", `authorization=Bearer ${presignKey}`],
    ...["-H", "content-type=application/json"],
    ...[
      "-b",
      JSON.stringify({ filename: "bench.mp4", contentType: "video/mp4", bytes: 1_048_576 }),
    ],
  ]);
  progress(`api: ${presign.rps} presigned uploads/s`);
  return { list, presign, connections: 8 };
}

async function measureIngest(h: Harness, sourcePath: string, runs: IngestRun[]) {
  const key = await h.newKey("bench-ingest");
  progress(
    "ingest: uploading the source through the presigned POST; ingest runs in its own process",
  );
  const id = await h.upload(key, sourcePath);
  const video = await h.waitForStatus(key, id, ["ready", "failed", "rejected"], 15 * 60_000);
  if (video.status !== "ready")
    throw new Error(`ingest ended ${video.status}: ${JSON.stringify(video.error)}`);
  // The video turns ready before the handler returns: wait for the invocation to end.
  await h.runtime.idle(120_000);
  const run = runs.at(-1);
  if (!run) throw new Error("the ingest handler did not run in a child process");
  const ffmpegKiB = Math.max(...run.children.map((c) => c.hwmKiB), 0);
  const peakRssMB = round((run.nodeKiB + ffmpegKiB) / 1024, 1);
  progress(
    `ingest: ${format.ms(run.ms)}, peak ${peakRssMB} MB (node ${Math.round(run.nodeKiB / 1024)} MB + ffmpeg ${Math.round(ffmpegKiB / 1024)} MB)`,
  );
  return {
    peakRssMB,
    detail: {
      note: "peak RSS of the node process plus the largest ffmpeg/ffprobe child it ran (they run one at a time)",
      seconds: round(run.ms / 1000, 1),
      nodeMB: round(run.nodeKiB / 1024, 1),
      nodeAfterLoadMB: round(run.memory.loadedRss / 2 ** 20, 1),
      nodePeaksMB: Object.fromEntries(
        Object.entries(run.memory.peak).map(([k, v]) => [k, round(v / 2 ** 20, 1)]),
      ),
      children: run.children.map((c) => ({ name: c.name, peakMB: round(c.hwmKiB / 1024, 1) })),
      sampledTreeMaxMB: round(run.maxTotalKiB / 1024, 1),
      renditions: video.renditions.map((r: { name: string; bytes: number }) => ({
        name: r.name,
        bytes: r.bytes,
      })),
    },
  };
}

/**
 * The two uploads built to burn a 10 GB function (issue 16), at the default settings: how long
 * each takes to settle and the peak RSS of the ffmpeg it ran. Recorded, not judged.
 */
async function measureHostile(h: Harness, runs: IngestRun[]) {
  const key = await h.newKey("bench-hostile");
  const dir = await scratch("hostile");
  const inputs = [
    {
      name: "timestamp gap: 4 frames at 60 fps, one at 3590 s (MKV)",
      contentType: "video/x-matroska",
      path: await writeTimestampGap(join(dir, "gap.mkv")),
    },
    {
      name: "resolution change: 1 s at 320x240, then 2 frames at 16000x16000 (MPEG-TS)",
      contentType: "video/mp2t",
      path: await writeResolutionChange(
        join(dir, "grow.ts"),
        { width: 320, height: 240 },
        { width: 16000, height: 16000, seconds: 0.08 },
      ),
    },
  ];
  const results = [];
  for (const input of inputs) {
    progress(`hostile: ${input.name}`);
    const before = runs.length;
    const started = performance.now();
    const id = await h.upload(key, input.path, { contentType: input.contentType });
    const video = await h.waitForStatus(key, id, ["ready", "failed", "rejected"], 15 * 60_000);
    const settleMs = performance.now() - started;
    await h.runtime.idle(120_000);
    const children = runs.slice(before).flatMap((r) => r.children);
    const ffmpegPeakMB = round(Math.max(0, ...children.map((c) => c.hwmKiB)) / 1024, 1);
    progress(`hostile: ${video.status} in ${format.ms(settleMs)}, ffmpeg peak ${ffmpegPeakMB} MB`);
    results.push({
      name: input.name,
      status: video.status,
      code: video.error?.code,
      invocations: runs.length - before,
      settleSeconds: round(settleMs / 1000, 2),
      ffmpegPeakMB,
    });
  }
  return results;
}
