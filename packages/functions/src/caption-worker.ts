// SQS consumer for automatic captions: each record is one track to make (captions/auto).

import { AutoCaptions } from "@rushes/core/captions/auto";
import { batch, json } from "./sqs";

/**
 * whisper runs here to the end; Transcribe only starts here, and finishes through
 * transcribe-complete. A failed engine fails the track (captions.failed) rather than the record:
 * only a crash before that comes back, and the track still `processing` lets it run again.
 */
export const handler = batch(json(AutoCaptions.Message), {
  what: "captions message",
  fields: (message) => ({ videoId: message.videoId, language: message.language }),
  run: (message) => AutoCaptions.run(message),
});
