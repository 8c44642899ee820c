// The redrive port's AWS transport: a video goes back to the Ingest function.

import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { AwsRecord } from "@rushes/core/aws-record";
import { Slots } from "@rushes/core/quota/slots";
import { Storage } from "@rushes/core/storage";
import { redeliveryEvent } from "./ingest-event";

let lambda: LambdaClient | undefined;

/**
 * An asynchronous invoke of Ingest with the S3 event shape a bucket notification sends: one
 * entry point, and Lambda's own retries and on-failure destination (IngestFailures) apply to it
 * exactly as to an upload's first event. `functionName` is read when a video is sent.
 */
export function ingestRedrive(functionName: () => string) {
  return async (videoId: string) => {
    lambda ??= AwsRecord.instrument(new LambdaClient({}));
    await lambda.send(
      new InvokeCommand({
        FunctionName: functionName(),
        InvocationType: "Event",
        Payload: JSON.stringify(redeliveryEvent(Storage.bucket(), videoId)),
      }),
    );
  };
}

/**
 * Where a freed processing slot's hand-off goes from this function (quota/slots.ts): installed
 * as the fallback, so a runtime that brings its own transport (the local one) keeps it.
 */
export function handOffThrough(functionName: () => string) {
  Slots.useRedrive(ingestRedrive(functionName), { fallback: true });
}
