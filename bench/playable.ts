// Playable figures: how soon a video plays while it still encodes. The single run, measured
// through the real pipeline (an embedded runtime, the video's own history); the hour on Lambda,
// projected by the chunked model from the inputs `chunked` measured.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Config } from "@rushes/core/config";
import { Plan, Storyboard } from "@rushes/core/media";
import { assumed, chunkTerms, type Measured, project, sum } from "./chunked-model";
import { median, progress, quick, root, round } from "./lib";

const exec = promisify(execFile);

export interface PlayableResult {
  singleRunRatio: number;
  projectedHourSeconds: number;
  detail: Record<string, unknown>;
}

/**
 * `singleRunRatio`: from the lease (the history's `processing` line, where ingest starts on the
 * source) to `playable` (every rung's and the audio's first segment stored, as the transcoder
 * reports it through `onPlayable`), over the lease to `ready`, per upload; the median.
 *
 * `projectedHourSeconds`: `project`'s ingest steps for the hour, then the first chunk's worker
 * (`chunkTerms`, the chunk plan's first chunk: one segment, `Chunks.firstChunkSegments`), then its live publish (`Live.publish`: the video,
 * chunk 0's manifest, the playlists eight at a time, the master, then the `playableAt` write after
 * a load). `measured` is this run's `chunked` inputs, or the last full run's from
 * bench/results.json when `chunked` did not run (detail says which).
 */
export async function measurePlayable(
  camera: string,
  measured: Measured | undefined,
  rounds = quick ? 1 : 2,
): Promise<PlayableResult> {
  progress(
    `playable: the ${camera.split("/").pop()} source through the embedded runtime, ${rounds} upload(s)`,
  );
  const { stdout } = await exec(
    join(root, "node_modules/.bin/tsx"),
    [join(root, "bench/playable-run.ts"), camera, String(rounds)],
    { cwd: root, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, RUSHES_LOG_LEVEL: "warn" } },
  );
  const runs = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
    id: string;
    leased: number;
    playable: number;
    ready: number;
  }[];
  const ratios = runs.map((r) => (r.playable - r.leased) / (r.ready - r.leased));

  let source = "this run's chunked group";
  let inputs = measured;
  if (!inputs) {
    const stored = JSON.parse(await readFile(join(root, "bench/results.json"), "utf8"));
    inputs = stored.detail.chunked.model.measured as Measured;
    source = `bench/results.json (the full run of ${stored.meta.startedAt})`;
  }
  const model = projectFirstPlayable(inputs, Config.get().RUSHES_CHUNK_SECONDS);
  // Were chunk 0 as long as the others (before `Chunks.firstChunkSegments`): for comparison.
  const fullFirst = projectFirstPlayable(
    inputs,
    Config.get().RUSHES_CHUNK_SECONDS,
    Config.get().RUSHES_CHUNK_SECONDS,
  );

  return {
    singleRunRatio: round(median(ratios)),
    projectedHourSeconds: round(model.seconds, 1),
    detail: {
      singleRun: {
        measuredAs: "history: processing (lease) → playable → ready, per upload",
        runs: runs.map((r, i) => ({
          playableSeconds: round((r.playable - r.leased) / 1000, 2),
          readySeconds: round((r.ready - r.leased) / 1000, 2),
          ratio: round(ratios[i]!),
        })),
      },
      model: {
        inputs: source,
        chunkSeconds: Config.get().RUSHES_CHUNK_SECONDS,
        firstChunkSeconds: model.firstChunkSeconds,
        steps: model.steps,
        terms: model.terms,
        withFullFirstChunkSeconds: round(fullFirst.seconds, 1),
      },
    },
  };
}

/**
 * Upload complete → the first playable segment for an hour of 1080p, by the chunked model:
 * ingest as `project` prices it, the first chunk's worker, its live publish.
 */
export function projectFirstPlayable(
  m: Measured,
  chunkSeconds: number,
  firstChunkSeconds?: number,
) {
  const a = assumed;
  const q = a.requestSeconds;
  const hour = {
    seconds: 3600,
    chunkSeconds,
    segmentSeconds: Plan.segmentSeconds,
    storyboard: Plan.storyboard("vid_bench", {
      durationMs: 3600 * 1000,
      width: 1920,
      height: 1080,
      videoCodec: "h264",
      formatName: "mov,mp4,m4a,3gp,3g2,mj2",
    } as Parameters<typeof Plan.storyboard>[1]),
  };
  const full = project(m, hour);
  const first = full.plan[0]!;
  const length = firstChunkSeconds ?? (first.endMs - first.startMs) / 1000;
  const segs = (s: number) => Math.ceil(s / hour.segmentSeconds);
  const tiles = Storyboard.tilesIn(hour.storyboard, 0, length * 1000).count;
  const chunk = chunkTerms(m, length, tiles, segs, a);
  const publish = {
    // The video, chunk 0's manifest, the rungs' and audio's playlists eight at a time, the master.
    playlists: 2 * q + Math.ceil((m.rungs + 1) / 8) * q + q,
    // `Outcome.playable`: a load, then the conditional write that GET /v1/videos/:id reads.
    playableAt: 2 * q,
  };
  const steps = {
    ingest: full.steps.ingest,
    chunk: sum(Object.values(chunk)),
    publish: sum(Object.values(publish)),
  };
  const r2 = (o: Record<string, number>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 2)]));
  return {
    seconds: sum(Object.values(steps)),
    firstChunkSeconds: length,
    steps: r2(steps),
    terms: { ingest: r2(full.terms.ingest), chunk: r2(chunk), publish: r2(publish) },
  };
}
