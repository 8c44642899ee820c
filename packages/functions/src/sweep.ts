// Cron (every RUSHES_SWEEP_INTERVAL_SECONDS): re-drives what a crash left behind, see core/src/sweep.ts.

import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { AwsRecord } from "@rushes/core/aws-record";
import { Clip } from "@rushes/core/clip";
import { Sweep } from "@rushes/core/sweep";
import { Resource } from "sst";
import { redeliveryEvent } from "./ingest";

let lambda: LambdaClient | undefined;

/**
 * A re-driven video goes back through the Ingest function as an asynchronous invoke of the same
 * S3 event shape a bucket notification sends: one entry point, and Lambda's own retries and
 * on-failure destination (IngestFailures) apply to it exactly as to an upload's first event.
 */
export const handler = async () => {
  lambda ??= AwsRecord.instrument(new LambdaClient({}));
  const client = lambda;
  await Sweep.run({
    async video(videoId) {
      await client.send(
        new InvokeCommand({
          FunctionName: Resource.Ingest.name,
          InvocationType: "Event",
          Payload: JSON.stringify(redeliveryEvent(Resource.Media.name, videoId)),
        }),
      );
    },
    clip: (clipId) => Clip.enqueue(clipId),
  });
};
