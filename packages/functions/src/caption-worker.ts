// SQS consumer for automatic captions: each record is one track to make (captions/auto), or a
// `video.ready` event from the Events topic, for an upload that asked for captions.

import { AutoCaptions } from "@rushes/core/captions/auto";
import * as z from "zod";
import { batch, json } from "./sqs";

const Record = z.union([AutoCaptions.Message, AutoCaptions.Ready]);

/**
 * whisper runs here to the end; Transcribe only starts here, and finishes through
 * transcribe-complete. A failed engine fails the track (captions.failed) rather than the record:
 * only a crash before that comes back, and the track still `processing` lets it run again.
 */
export const handler = batch(json(Record), {
  what: "captions message",
  fields: (message) => ("type" in message ? message.properties : message),
  run: (message) => ("type" in message ? AutoCaptions.onReady(message) : AutoCaptions.run(message)),
});
