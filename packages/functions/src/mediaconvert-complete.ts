// EventBridge "MediaConvert Job State Change" (COMPLETE / ERROR): finishes the video.
import type { MediaConvert } from "@rushes/core/media";
import { Job } from "@rushes/core/video/job";
import { Resource } from "sst";
import { handOffThrough } from "./redrive";

// The completion frees the video's slot: the hand-off goes to Ingest.
handOffThrough(() => Resource.Ingest.name);

/** The rule filters on this stage's jobs; anything else that arrives is logged and ignored. */
export const handler = async (event: MediaConvert.JobStateChange) => {
  await Job.complete(event);
};
