// Cron (every RUSHES_SWEEP_INTERVAL_SECONDS): re-drives what a crash left behind, see core/src/sweep.ts.

import { Clip } from "@rushes/core/clip";
import { Sweep } from "@rushes/core/sweep";
import { Resource } from "sst";
import { queuesThrough } from "./queue";
import { ingestRedrive } from "./redrive";

// A clip whose lease ran out goes back on the clip queue.
queuesThrough({ clip: () => Resource.ClipQueue.url });

/**
 * A re-driven video (a lease that ran out, a lost upload event, a queued video whose slot's
 * hand-off was lost) goes back through the Ingest function (./redrive.ts).
 */
export const handler = async () => {
  await Sweep.run({
    video: ingestRedrive(() => Resource.Ingest.name),
    clip: (clipId) => Clip.enqueue(clipId),
  });
};
