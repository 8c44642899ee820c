import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { AwsRecord } from "./aws-record";
import { Config } from "./config";

/**
 * AWS clients, each built on first use. Cold starts pay only for the clients a request touches.
 * Each comes from its own file in clients/ (a named re-export), so the bundler keeps the client
 * class and the commands imported by name elsewhere, not the whole package.
 * Endpoints come from the standard AWS_ENDPOINT_URL_* variables, so the embedded stand-ins need
 * no code path of their own. Only the clients the API uses live here; SNS (event/) and
 * MediaConvert (media/mediaconvert/) build theirs through `once` beside their only caller, so
 * the API bundle does not carry them.
 */
export namespace Aws {
  const clients = new Map<string, unknown>();

  export async function once<T>(name: string, build: () => Promise<T>): Promise<T> {
    const existing = clients.get(name);
    if (existing) return existing as T;
    // Every client rushes' functions use is built here, so the one recorder (tests only) sees all.
    const client = AwsRecord.instrument(await build());
    clients.set(name, client);
    return client;
  }

  export const s3 = () =>
    once<S3Client>("s3", async () => {
      const { S3Client } = await import("./clients/s3");
      return new S3Client({
        forcePathStyle: Config.get().RUSHES_S3_FORCE_PATH_STYLE,
        // Plain bodies: streamed uploads otherwise go out aws-chunked with a trailing checksum,
        // which S3-compatible stores (s3rver among them) save verbatim, corrupting the object.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
    });

  export const dynamo = () =>
    once<DynamoDBClient>("dynamo", async () => {
      const { DynamoDBClient } = await import("./clients/dynamo");
      return new DynamoDBClient({});
    });

  export const sqs = () =>
    once<SQSClient>("sqs", async () => {
      const { SQSClient } = await import("./clients/sqs");
      // Always the configured endpoint: local queue URLs name a host (sqs.*.localhost) for display only.
      return new SQSClient({ useQueueUrlAsEndpoint: false });
    });

  /** Drops every client, e.g. after the local runtime moves its endpoints. */
  export function reset() {
    for (const client of clients.values()) (client as { destroy?: () => void }).destroy?.();
    clients.clear();
  }
}
