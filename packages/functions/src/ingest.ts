// S3 ObjectCreated on uploads/: parses the bucket notification and hands each source to ingest.

import { logger } from "@rushes/core/log";
import { ObjectKeys } from "@rushes/core/storage";
import { Ingest } from "@rushes/core/video/ingest";
import type { S3Event } from "aws-lambda";

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
    await Ingest.run(videoId);
  }
};

/**
 * The S3 event the sweep (and the local runtime's start-up) sends ingest to re-drive a video:
 * the same shape S3 delivers, so ingest has one entry point. Source keys need no encoding.
 */
export function redeliveryEvent(bucket: string, videoId: string, region = "us-east-1"): S3Event {
  return {
    Records: [
      {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: process.env.AWS_REGION ?? region,
        eventTime: new Date().toISOString(),
        eventName: "ObjectCreated:Post",
        userIdentity: { principalId: "rushes:sweep" },
        requestParameters: { sourceIPAddress: "127.0.0.1" },
        responseElements: { "x-amz-request-id": "REDRIVE", "x-amz-id-2": "rushes-sweep" },
        s3: {
          s3SchemaVersion: "1.0",
          configurationId: "rushes-sweep",
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: "rushes" },
            arn: `arn:aws:s3:::${bucket}`,
          },
          object: { key: ObjectKeys.source(videoId), size: 0, eTag: "", sequencer: "0" },
        },
      },
    ],
  };
}
