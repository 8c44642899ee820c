// S3 ObjectCreated on uploads/: parses the bucket notification and hands each source to ingest.

import { logger } from "@rushes/core/log";
import { Charges } from "@rushes/core/quota/charges";
import { ObjectKeys } from "@rushes/core/storage";
import { Ingest } from "@rushes/core/video/ingest";
import type { S3Event } from "aws-lambda";
import { Resource } from "sst";
import { queuesThrough } from "./queue";
import { handOffThrough } from "./redrive";

export { redeliveryEvent } from "./ingest-event";

// A slot this function frees goes to the owner's next queued video: through this same function.
handOffThrough(() => process.env.AWS_LAMBDA_FUNCTION_NAME ?? "");

// A long source fans out its chunks on the chunk queue.
queuesThrough({ chunk: () => Resource.ChunkQueue.url });

/** S3 form-encodes object keys in events: `+` for spaces, `%XX` for the rest. */
export const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, " "));

export const handler = async (event: S3Event | { Event?: string; Records?: unknown }) => {
  // S3 sends one test event when the notification is first configured.
  if ("Event" in event && event.Event === "s3:TestEvent") return;
  for (const record of (event as S3Event).Records ?? []) {
    const key = decodeKey(record.s3.object.key);
    const videoId = ObjectKeys.parseSource(key);
    if (!videoId) {
      logger().warn({ key }, "ignoring object outside uploads/{videoId}/source");
      continue;
    }
    await Charges.measure(
      videoId,
      "ingest",
      () => Ingest.run(videoId),
      (outcome) => !["settled", "busy", "missing"].includes(outcome),
    );
  }
};
