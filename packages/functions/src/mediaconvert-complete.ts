// EventBridge "MediaConvert Job State Change" (COMPLETE / ERROR): finishes the video.
import type { MediaConvert } from "@rushes/core/media";
import { Ingest } from "@rushes/core/video/ingest";

/** The rule filters on this stage's jobs; anything else that arrives is logged and ignored. */
export const handler = async (event: MediaConvert.JobStateChange) => {
  await Ingest.completeJob(event);
};
