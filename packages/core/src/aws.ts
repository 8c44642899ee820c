import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { MediaConvertClient } from "@aws-sdk/client-mediaconvert";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { Config } from "./config";

/**
 * AWS clients, each built on first use. Cold starts pay only for the clients a request touches.
 * Endpoints come from the standard AWS_ENDPOINT_URL_* variables, so the embedded stand-ins need
 * no code path of their own.
 */
export namespace Aws {
  const clients = new Map<string, unknown>();

  async function once<T>(name: string, build: () => Promise<T>): Promise<T> {
    const existing = clients.get(name);
    if (existing) return existing as T;
    const client = await build();
    clients.set(name, client);
    return client;
  }

  export const s3 = () =>
    once<S3Client>("s3", async () => {
      const { S3Client } = await import("@aws-sdk/client-s3");
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
      const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
      return new DynamoDBClient({});
    });

  export const sns = () =>
    once<SNSClient>("sns", async () => {
      const { SNSClient } = await import("@aws-sdk/client-sns");
      return new SNSClient({});
    });

  export const sqs = () =>
    once<SQSClient>("sqs", async () => {
      const { SQSClient } = await import("@aws-sdk/client-sqs");
      // Always the configured endpoint: local queue URLs name a host (sqs.*.localhost) for display only.
      return new SQSClient({ useQueueUrlAsEndpoint: false });
    });

  export const mediaconvert = () =>
    once<MediaConvertClient>("mediaconvert", async () => {
      const { MediaConvertClient } = await import("@aws-sdk/client-mediaconvert");
      const endpoint = Config.get().RUSHES_MEDIACONVERT_ENDPOINT;
      return new MediaConvertClient(endpoint ? { endpoint } : {});
    });

  /** Drops every client, e.g. after the local runtime moves its endpoints. */
  export function reset() {
    for (const client of clients.values()) (client as { destroy?: () => void }).destroy?.();
    clients.clear();
  }
}
