// `npm run bench`: every figure a ratio of two things measured side by side in this run.
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";

// Quiet core logs; settings are read when first used, so this must come before any run.
process.env.RUSHES_LOG_LEVEL ??= "warn";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { Ffmpeg } = await import("@rushes/core/media");
const { measureApi } = await import("./api");
const { clipRecording, measureClip, measureTranscode, source, sourceVideo } = await import(
  "./media"
);
const { listing } = await import("./listing");
const { measureHls, measureRewrite } = await import("./hls");
const { long, measureChunked } = await import("./chunked");
const { measureSystem } = await import("./system");
const { measurePlayable } = await import("./playable");
const { addedGroups, elapsedSeconds, enabled, format, progress, quick, root, workDir } =
  await import("./lib");
const report = await import("./report");

/** The goals (docs/performance.md). Throughput and memory are recorded, not judged. */
const goals: Record<string, { op: "<=" | ">="; value: number; text: string }> = {
  "api.bundleBytes": { op: "<=", value: 600 * 1024, text: "≤ 600 KB" },
  "api.initRatio": { op: "<=", value: 0.3, text: "≤ 0.3" },
  "transcode.vsSingle720": { op: "<=", value: 1.3, text: "≤ 1.3" },
  "transcode.speedupVsNaive": { op: ">=", value: 1.5, text: "≥ 1.5" },
  "clip.fastVsExact": { op: "<=", value: 0.2, text: "≤ 0.2" },
  "listing.deepPageRatio": { op: "<=", value: 1.5, text: "≤ 1.5" },
  "listing.scanVsQuery": { op: ">=", value: 10, text: "≥ 10" },
  "hls.vsMp4Plan": { op: "<=", value: 1.6, text: "≤ 1.6" },
  "hls.floorRatio": { op: "<=", value: 1.1, text: "≤ 1.1" },
  "playback.rewriteP99Ms": { op: "<=", value: 5, text: "≤ 5 ms" },
  "chunked.cpuOverhead": { op: "<=", value: 1.1, text: "≤ 1.10" },
  "chunked.projectedHourSeconds": { op: "<=", value: 120, text: "≤ 120 s" },
  "playable.singleRunRatio": { op: "<=", value: 0.25, text: "≤ 0.25" },
  "playable.projectedHourSeconds": { op: "<=", value: 15, text: "≤ 15 s" },
};

const what: Record<string, string> = {
  "api.bundleBytes":
    "API handler as SST ships it (esbuild, minified, esm, split): JS loaded at init",
  "api.initRatio": "load+init ours ÷ naive eager bundle, fresh node",
  "api.presignRps": "POST /v1/uploads req/s, embedded runtime",
  "api.listRps": `GET /v1/videos?limit=50 req/s, ${listing.videos} videos`,
  "transcode.vsSingle720": `all outputs ÷ one bare 720p encode, ${source.seconds} s 1080p`,
  "transcode.speedupVsNaive": "one ffmpeg run per output ÷ ours",
  "transcode.decodeFloorRatio": "ours ÷ decode-only pass (-f null)",
  "clip.fastVsExact": "fast (stream copy) ÷ exact (re-encode)",
  "listing.deepPageRatio": `page ${listing.deepPage} ÷ page 1, ${listing.pageSize} per page, ${listing.videos} videos`,
  "listing.scanVsQuery": "Scan+filter+sort ÷ our Query, same page",
  "hls.vsMp4Plan": "full ingest (ladder + MP4s + thumbs + storyboard) ÷ MP4s + thumbs",
  "hls.floorRatio": "full ingest ÷ (decode-only + Σ each output's encode-only)",
  "playback.rewriteP99Ms": "p99 ms: sign + rewrite a 600-segment playlist, in-process",
  "ingest.peakRssMB": `peak RSS of the ingest (node + ffmpeg), ${source.seconds} s 1080p`,
  "chunked.cpuOverhead": `CPU of ingest + chunks + stitch ÷ single run, ${long.seconds} s 1080p, ${long.chunkSeconds} s chunks`,
  "chunked.speedupLocal": "single-run wall ÷ chunked wall, chunks as the local runtime runs them",
  "chunked.projectedHourSeconds":
    "model: 1 h 1080p on Lambda, a 6 vCPU function per chunk (bench/chunked-model.ts)",
  "playable.singleRunRatio": `ingest start → first playable segment ÷ → ready, ${source.seconds} s 1080p, from the video's history`,
  "playable.projectedHourSeconds":
    "model: 1 h 1080p on Lambda, upload complete → first playable segment (bench/playable.ts)",
};

const startedAt = new Date();
const loadAtStart = loadavg();
progress(
  `rushes bench${quick ? " (BENCH_QUICK: smoke run, small inputs)" : ""}: ${cpus().length} CPUs, node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);

/** The required figures by group (api, transcode, clip, listing, ingest), numbers only. */
const figures: Record<string, Record<string, number>> = {};
const detail: Record<string, unknown> = {};
/** Wall seconds each group took, so the next budget is read off the record, not guessed. */
const groupSeconds: Record<string, number> = {};
const timed = async (group: string, run: () => Promise<void>) => {
  if (!enabled(group)) return;
  const start = elapsedSeconds();
  await run();
  groupSeconds[group] = Math.round(elapsedSeconds() - start);
};

await timed("api", async () => {
  const api = await measureApi();
  figures.api = { bundleBytes: api.bundleBytes, initRatio: api.initRatio };
  detail.api = api.detail;
});

await timed("playback", async () => {
  const r = await measureRewrite();
  figures.playback = { rewriteP99Ms: r.p99Ms };
  detail.playback = r.detail;
});

let recording = "";
/** The chunked model's inputs as `chunked` measured them, for `playable`'s projection. */
let chunkedInputs: import("./chunked-model").Measured | undefined;
const media = ["transcode", "clip", "system", "hls", "chunked", "playable"];
if (media.some(enabled)) {
  const camera = await sourceVideo("camera");
  await timed("transcode", async () => {
    const t = await measureTranscode(camera, { label: "transcode", rounds: quick ? 2 : 5 });
    figures.transcode = {
      vsSingle720: t.vsSingle720,
      speedupVsNaive: t.speedupVsNaive,
      decodeFloorRatio: t.decodeFloorRatio,
    };
    recording = t.recording;
    detail.transcode = t.detail;
    if (!quick) {
      // Sensitivity: the same four variants on a clean synthetic source, which is cheap to decode.
      const clean = await measureTranscode(await sourceVideo("clean"), {
        label: "transcode (clean source)",
        rounds: 3,
      });
      detail.transcodeCleanSource = {
        vsSingle720: clean.vsSingle720,
        speedupVsNaive: clean.speedupVsNaive,
        decodeFloorRatio: clean.decodeFloorRatio,
        ...clean.detail,
      };
    }
  });
  await timed("hls", async () => {
    const h = await measureHls(camera, quick ? 2 : 3);
    figures.hls = { vsMp4Plan: h.vsMp4Plan, floorRatio: h.floorRatio };
    detail.hls = h.detail;
  });
  await timed("clip", async () => {
    const c = await measureClip(recording || (await clipRecording(camera)));
    figures.clip = { fastVsExact: c.fastVsExact };
    detail.clip = c.detail;
  });
  await timed("chunked", async () => {
    // One round: each variant is about 3 CPU-minutes here, and a second pair would take the
    // full run past 20 minutes on 2 cores.
    const c = await measureChunked(camera, 2);
    figures.chunked = {
      cpuOverhead: c.cpuOverhead,
      speedupLocal: c.speedupLocal,
      projectedHourSeconds: c.projectedHourSeconds,
    };
    detail.chunked = c.detail;
    chunkedInputs = c.measured;
  });
  await timed("playable", async () => {
    const p = await measurePlayable(camera, chunkedInputs);
    figures.playable = {
      singleRunRatio: p.singleRunRatio,
      projectedHourSeconds: p.projectedHourSeconds,
    };
    detail.playable = p.detail;
  });
  await timed("system", async () => {
    const s = await measureSystem(camera);
    figures.listing = s.listing;
    figures.ingest = s.ingest;
    figures.api = { ...figures.api, ...s.api };
    detail.system = s.detail;
  });
}

const wallSeconds = Math.round(elapsedSeconds());
const flat = Object.entries(figures).flatMap(([group, values]) =>
  Object.entries(values).map(([key, value]) => [`${group}.${key}`, value] as const),
);

// The table: one row per figure, its goal and where it lands.
const rows = flat.map(([name, value]) => {
  const goal = goals[name];
  const met = goal ? (goal.op === "<=" ? value <= goal.value : value >= goal.value) : undefined;
  const shown =
    name === "api.bundleBytes"
      ? `${format.kb(value)}`
      : name.endsWith("Rps")
        ? value.toFixed(1)
        : String(value);
  return [
    name,
    shown,
    goal?.text ?? "(detail)",
    met === undefined ? "" : met ? "met" : "MISSED",
    what[name] ?? "",
  ];
});
const header = ["figure", "value", "goal", "", "measured as"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) =>
  cells
    .map((c, i) => c.padEnd(widths[i]!))
    .join("  ")
    .trimEnd();
console.log(`\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
for (const row of rows) console.log(line(row));
console.log(
  `\nwall time ${Math.floor(wallSeconds / 60)} min ${wallSeconds % 60} s${quick ? " (quick)" : ""}`,
);

const partial = quick || process.env.BENCH_ONLY;
const out = partial
  ? join(workDir, quick ? "results.quick.json" : "results.partial.json")
  : join(root, "bench", "results.json");
await mkdir(dirname(out), { recursive: true });
await writeFile(
  out,
  `${JSON.stringify(
    {
      ...figures,
      goals: Object.fromEntries(Object.entries(goals).map(([k, g]) => [k, g.text])),
      // What docs/performance.md shows (bench/report.ts), as this run judged it.
      table: rows.map(([figure, value, goal, verdict, measuredAs]) => ({
        figure,
        value,
        goal: goal === "(detail)" ? "" : goal,
        verdict: verdict === "MISSED" ? "missed" : verdict,
        measuredAs,
      })),
      detail,
      meta: {
        startedAt: startedAt.toISOString(),
        wallSeconds,
        quick,
        only: process.env.BENCH_ONLY ?? null,
        added: addedGroups(),
        groupSeconds,
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        loadAverageAtStart: loadAtStart.map((l) => Math.round(l * 100) / 100),
        loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
        ffmpeg: ffmpegVersion(),
        source: `${source.seconds} s ${source.width}x${source.height}@${source.fps}: testsrc2 under light temporal noise, stereo AAC`,
      },
    },
    null,
    2,
  )}\n`,
);
progress(`wrote ${out}`);
if (!partial) {
  report.writeDoc(root);
  progress("rewrote the figures in docs/performance.md");
}

function ffmpegVersion() {
  try {
    const out = execFileSync(Ffmpeg.paths().ffmpeg, ["-hide_banner", "-version"]).toString();
    return out.split("\n")[0];
  } catch {
    return undefined;
  }
}
