// The S3 event shape ingest takes, built for a re-drive (the sweep, a slot's hand-off).

import { ObjectKeys } from "@rushes/core/storage";
import type { S3Event } from "aws-lambda";

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
