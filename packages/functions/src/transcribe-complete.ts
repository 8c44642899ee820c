// EventBridge "Transcribe Job State Change" (COMPLETED / FAILED): finishes an automatic track.
import { AutoCaptions } from "@rushes/core/captions/auto";

/** The rule filters on this stage's job names; anything else that arrives is logged and ignored. */
export const handler = async (event: unknown) => {
  await AutoCaptions.completeTranscribe(event);
};
