// The sweep's local stand-in for its cron: one pass reclaiming everything at start-up, then a timer.
import type { Log } from "./log";

export type SweepReport = import("@rushes/core/sweep").Sweep.Report;

export interface LocalSweep {
  /** One pass now; concurrent calls share the pass already running. */
  run(): Promise<SweepReport>;
  stop(): Promise<void>;
}

/**
 * Runs `Sweep.run` with `reclaimAll` once (a restart: every lease left is a dead worker's), then
 * every `intervalSeconds`. Re-driven videos go to the local ingest invoker; clips to the queue.
 */
export async function startSweep(options: {
  intervalSeconds: number;
  redrive: (videoId: string) => void;
  log: Log;
}): Promise<LocalSweep> {
  const [{ Sweep }, { Clip }, { AwsRecord }] = await Promise.all([
    import("@rushes/core/sweep"),
    import("@rushes/core/clip"),
    import("@rushes/core/aws-record"),
  ]);
  const redrive = {
    video: async (videoId: string) => {
      // Deployed, the sweep re-drives through an async invoke of Ingest (functions/src/sweep.ts).
      AwsRecord.noteAs("Sweep", "Ingest", ["lambda:InvokeFunction"]);
      options.redrive(videoId);
    },
    clip: (clipId: string) => Clip.enqueue(clipId),
  };
  let running: Promise<SweepReport> | undefined;
  const pass = (reclaimAll = false) => {
    running ??= AwsRecord.as("Sweep", () => Sweep.run(redrive, { reclaimAll })).finally(() => {
      running = undefined;
    });
    return running;
  };
  const first = await pass(true);
  if (first.redriven.length || first.clips.length) {
    options.log.info(
      `start-up: re-driving ${first.redriven.length} video(s) and ${first.clips.length} clip(s) left unfinished`,
    );
  }
  const timer = setInterval(() => {
    pass().catch((error: unknown) => options.log.warn({ err: error }, "sweep failed"));
  }, options.intervalSeconds * 1000);
  timer.unref();
  return {
    run: () => pass(),
    async stop() {
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}
