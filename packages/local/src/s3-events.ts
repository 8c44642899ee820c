import { randomBytes } from "node:crypto";
import type { S3Event, S3EventRecord } from "aws-lambda";
import type { S3rverEvent } from "s3rver";
import { region } from "./lambda";

/** The bucket notification `infra/` configures: ObjectCreated under `uploads/` only. */
const ingestFilter = { events: "ObjectCreated:", prefix: "uploads/" };

/**
 * Turns an s3rver notification into the event S3 sends Lambda, or undefined when the bucket
 * notification would not fire. s3rver's own record is close but not faithful: it leaves the key
 * decoded, reports a completed multipart upload as a POST and has a malformed bucket ARN.
 */
export function toS3Event(event: S3rverEvent): S3Event | undefined {
  const source = event.Records[0];
  if (!source?.eventName.startsWith(ingestFilter.events)) return undefined;
  const { bucket, object } = source.s3;
  if (!object.key.startsWith(ingestFilter.prefix)) return undefined;
  const multipart = object.eTag?.includes("-") ?? false;
  const eventName =
    multipart && source.eventName === "ObjectCreated:Post"
      ? "ObjectCreated:CompleteMultipartUpload"
      : source.eventName;
  const record: S3EventRecord = {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: region,
    eventTime: source.eventTime,
    eventName,
    userIdentity: { principalId: "AWS:LOCAL" },
    requestParameters: {
      sourceIPAddress: source.requestParameters?.sourceIPAddress ?? "127.0.0.1",
    },
    responseElements: {
      "x-amz-request-id": randomBytes(8).toString("hex").toUpperCase(),
      "x-amz-id-2": randomBytes(32).toString("base64"),
    },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "rushes-local-ingest",
      bucket: {
        name: bucket.name,
        ownerIdentity: { principalId: "LOCAL" },
        arn: `arn:aws:s3:::${bucket.name}`,
      },
      object: {
        key: encodeEventKey(object.key),
        size: object.size ?? 0,
        eTag: object.eTag ?? "",
        sequencer: object.sequencer,
      },
    },
  };
  return { Records: [record] };
}

/**
 * Keys in S3 notifications are form-encoded: a space becomes `+`, and every byte outside
 * `A-Za-z0-9 . - _ * /` becomes `%XX`. Handlers must decode them, so locally they must too.
 */
export function encodeEventKey(key: string): string {
  return Array.from(new TextEncoder().encode(key), (byte) => {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9.\-_*/]/.test(char)) return char;
    if (char === " ") return "+";
    return `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}
