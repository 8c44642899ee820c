import type { S3Event } from "aws-lambda";
import { logger } from "../log";
import { Keys } from "../storage/keys";
import { VideoState } from "./state";

/** The ingest pipeline for one uploaded source (foundation: takes the lease). */
export namespace Ingest {
  /** S3 URL-encodes keys in events, with `+` for spaces. */
  export const decodeKey = (key: string) => decodeURIComponent(key.replace(/\+/g, " "));

  export async function handleS3Event(event: S3Event | { Event?: string; Records?: unknown }) {
    if ("Event" in event && event.Event === "s3:TestEvent") return;
    for (const record of (event as S3Event).Records ?? []) {
      const key = decodeKey(record.s3.object.key);
      const videoId = Keys.parseSource(key);
      if (!videoId) {
        logger().warn({ key }, "ignoring object outside uploads/{videoId}/source");
        continue;
      }
      await run(videoId);
    }
  }

  export async function run(videoId: string) {
    const lease = await VideoState.lease(videoId);
    logger().info({ videoId, outcome: lease.outcome }, "ingest lease");
    return lease;
  }
}
