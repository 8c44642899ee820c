import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { region } from "./lambda";
import { names } from "./provision";

export interface Endpoints {
  dynamo: string;
  s3: string;
  sqs: string;
}

/**
 * `SST_RESOURCE_*` the way SST links resources into a Lambda, plus the endpoints of the
 * stand-ins. Credentials are always the dummy ones, so nothing here can reach real AWS.
 */
export function applyEnvironment(input: {
  devKey: string;
  endpoints: Endpoints;
  topicArn: string;
  queueUrl: string;
  chunkQueueUrl: string;
  quiet?: boolean;
  extra?: Record<string, string>;
  /** More linked resources (e.g. the webhook queue and key), as `SST_RESOURCE_<Name>`. */
  resources?: Record<string, unknown>;
}) {
  const env = process.env;
  const resources = {
    App: { name: "rushes", stage: "local" },
    Table: { name: names.table },
    Media: { name: names.bucket },
    Events: { arn: input.topicArn },
    ClipQueue: { url: input.queueUrl },
    ChunkQueue: { url: input.chunkQueueUrl },
    AdminKey: { value: input.devKey },
    ...input.resources,
  };
  for (const [name, value] of Object.entries(resources))
    env[`SST_RESOURCE_${name}`] = JSON.stringify(value);
  env.AWS_REGION = region;
  // s3rver checks signatures against its fixed key pair; the other stand-ins accept any.
  env.AWS_ACCESS_KEY_ID = "S3RVER";
  env.AWS_SECRET_ACCESS_KEY = "S3RVER";
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  env.AWS_ENDPOINT_URL_DYNAMODB = input.endpoints.dynamo;
  env.AWS_ENDPOINT_URL_S3 = input.endpoints.s3;
  env.AWS_ENDPOINT_URL_SQS = input.endpoints.sqs;
  env.AWS_ENDPOINT_URL_SNS = input.endpoints.sqs;
  env.RUSHES_S3_FORCE_PATH_STYLE = "true";
  // Webhooks may go to http://localhost and private addresses here, and nowhere deployed.
  env.RUSHES_WEBHOOK_ALLOW_LOCAL = "true";
  // URL ingest may fetch from loopback here (tests and demos); never deployed (infra pins it).
  env.RUSHES_FETCH_ALLOW_LOCAL ??= "true";
  // The sweep's timer: shorter than AWS's 5-minute cron, since a laptop has no Lambda retries.
  env.RUSHES_SWEEP_INTERVAL_SECONDS ??= "30";
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  if (input.quiet) env.RUSHES_LOG_LEVEL ??= "warn";
  else env.RUSHES_LOG_FORMAT ??= "pretty";
  Object.assign(env, input.extra);
}

/** sst reads `SST_RESOURCE_*` once per process; a second runtime must match the first. */
export async function assertResources(devKey: string, queueUrl: string) {
  const { Resource } = await import("sst");
  if (Resource.ClipQueue.url !== queueUrl || Resource.AdminKey.value !== devKey) {
    throw new Error(
      "sst Resource was loaded earlier with other values; start the runtime before loading core, and reuse the same ports and dev key when restarting in one process",
    );
  }
}

/** Clients with explicit endpoints, for provisioning and polling (handlers use core's `Aws`). */
export function localClients(endpoints: Endpoints) {
  const common = { region, credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } };
  return {
    dynamo: new DynamoDBClient({ ...common, endpoint: endpoints.dynamo }),
    s3: new S3Client({ ...common, endpoint: endpoints.s3, forcePathStyle: true }),
    sqs: new SQSClient({ ...common, endpoint: endpoints.sqs }),
    sns: new SNSClient({ ...common, endpoint: endpoints.sqs }),
  };
}
