import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceNotFoundException,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { sleep } from "./lambda";
import type { Log } from "./log";

type Clients = { dynamo: DynamoDBClient; s3: S3Client; sqs: SQSClient; sns: SNSClient };

/** Physical names, the same ones `test/setup.ts` defaults `SST_RESOURCE_*` to. */
export const names = {
  table: "rushes-local-table",
  bucket: "rushes-local-media",
  queue: "rushes-local-clips",
  dlq: "rushes-local-clips-dlq",
  chunks: "rushes-local-chunks",
  chunksDlq: "rushes-local-chunks-dlq",
  captions: "rushes-local-captions",
  captionsDlq: "rushes-local-captions-dlq",
  topic: "rushes-local-events",
  /** Subscribed to the topic so the runtime sees every event (logs, tests, webhooks). */
  tap: "rushes-local-events-tap",
} as const;

/** What `tableDefinition()` in core/dynamo.ts returns. */
export interface TableDefinition {
  fields: Record<string, "string" | "number" | "binary">;
  primaryIndex: { hashKey: string; rangeKey?: string };
  globalIndexes: Record<string, { hashKey: string; rangeKey?: string }>;
}

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  maxReceiveCount: number;
  /** The chunk queue's, which the chunk worker's last attempt reads (RUSHES_CHUNK_MAX_RECEIVES). */
  chunkMaxReceiveCount: number;
}

export interface Provisioned {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
  topicArn: string;
  tapUrl: string;
  tapArn: string;
  chunkQueueUrl: string;
  chunkQueueArn: string;
  chunkDlqUrl: string;
  captionQueueUrl: string;
  captionQueueArn: string;
  captionDlqUrl: string;
}

const attributeType = { string: "S", number: "N", binary: "B" } as const;

function keySchema(index: { hashKey: string; rangeKey?: string }): KeySchemaElement[] {
  return [
    { AttributeName: index.hashKey, KeyType: "HASH" },
    ...(index.rangeKey ? [{ AttributeName: index.rangeKey, KeyType: "RANGE" as const }] : []),
  ];
}

/** Creates the table with exactly the indexes ElectroDB uses, or adds the ones it lacks. */
export async function ensureTable(dynamo: DynamoDBClient, definition: TableDefinition, log: Log) {
  const attributes: AttributeDefinition[] = Object.entries(definition.fields).map(
    ([name, type]) => ({
      AttributeName: name,
      AttributeType: attributeType[type],
    }),
  );
  const indexes = Object.entries(definition.globalIndexes).map(([name, index]) => ({
    IndexName: name,
    KeySchema: keySchema(index),
    Projection: { ProjectionType: "ALL" as const },
  }));
  const existing = await dynamo
    .send(new DescribeTableCommand({ TableName: names.table }))
    .then((out) => out.Table)
    .catch((error: unknown) => {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    });
  if (!existing) {
    await dynamo.send(
      new CreateTableCommand({
        TableName: names.table,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: attributes,
        KeySchema: keySchema(definition.primaryIndex),
        GlobalSecondaryIndexes: indexes,
      }),
    );
  } else {
    const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    for (const index of indexes.filter((i) => !present.has(i.IndexName))) {
      // Items written before the index existed are not backfilled by dynalite.
      log.warn(`table ${names.table}: adding missing index ${index.IndexName}`);
      await dynamo.send(
        new UpdateTableCommand({
          TableName: names.table,
          AttributeDefinitions: attributes,
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      );
    }
  }
  for (let i = 0; i < 100; i++) {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: names.table }));
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
      (g) => g.IndexStatus === "ACTIVE",
    );
    if (Table?.TableStatus === "ACTIVE" && indexesActive) return;
    await sleep(50);
  }
  throw new Error(`table ${names.table} did not become ACTIVE`);
}

export async function ensureBucket(s3: S3Client) {
  // s3rver creates it (with CORS) on start; this proves the SDK reaches it with our credentials.
  await s3.send(new HeadBucketCommand({ Bucket: names.bucket }));
}

/** A queue in fauxqs, created unless it exists: its URL and ARN. */
export async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string> = {},
): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/**
 * A queue and its dead-letter queue, as infra pairs them: a message moves to the DLQ (kept 14
 * days) after `maxReceiveCount` receives.
 */
export async function createQueueWithDlq(
  sqs: SQSClient,
  name: string,
  dlqName: string,
  settings: { visibilityTimeoutSeconds: number; maxReceiveCount: number },
) {
  const dlq = await createQueue(sqs, dlqName, { MessageRetentionPeriod: String(14 * 24 * 3600) });
  const queue = await createQueue(sqs, name, {
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: String(settings.maxReceiveCount),
    }),
  });
  return { ...queue, dlqUrl: dlq.url, dlqArn: dlq.arn };
}

/** The clip, chunk and captions queues with their DLQs, the topic, and the tap queue subscribed to it. */
export async function ensureMessaging(
  sqs: SQSClient,
  sns: SNSClient,
  queue: QueueSettings,
): Promise<Provisioned> {
  const { visibilityTimeoutSeconds } = queue;
  const clips = await createQueueWithDlq(sqs, names.queue, names.dlq, {
    visibilityTimeoutSeconds,
    maxReceiveCount: queue.maxReceiveCount,
  });
  const chunks = await createQueueWithDlq(sqs, names.chunks, names.chunksDlq, {
    visibilityTimeoutSeconds,
    maxReceiveCount: queue.chunkMaxReceiveCount,
  });
  // Automatic captions: a whisper run is long, and a poison message goes to the DLQ after 3.
  const captions = await createQueueWithDlq(sqs, names.captions, names.captionsDlq, {
    visibilityTimeoutSeconds,
    maxReceiveCount: 3,
  });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: names.topic }));
  const tap = await createQueue(sqs, names.tap);
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: tap.arn }));
  // Uploads that asked for captions start on video.ready, as infra/captions.ts subscribes it.
  await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: "sqs",
      Endpoint: captions.arn,
      Attributes: {
        FilterPolicy: JSON.stringify({ type: ["video.ready"] }),
        RawMessageDelivery: "true",
      },
    }),
  );
  return {
    queueUrl: clips.url,
    queueArn: clips.arn,
    dlqUrl: clips.dlqUrl,
    dlqArn: clips.dlqArn,
    topicArn: TopicArn!,
    tapUrl: tap.url,
    tapArn: tap.arn,
    chunkQueueUrl: chunks.url,
    chunkQueueArn: chunks.arn,
    chunkDlqUrl: chunks.dlqUrl,
    captionQueueUrl: captions.url,
    captionQueueArn: captions.arn,
    captionDlqUrl: captions.dlqUrl,
  };
}

/** The table (with its key migration), the bucket, the queues and the topic. */
export async function provisionAll(
  clients: Clients,
  expected: { topicArn: string; queueUrl: string },
  queue: { visibilityTimeoutSeconds?: number; maxReceiveCount: number },
  log: Log,
) {
  const [{ Config }, { tableDefinition }] = await Promise.all([
    import("@rushes/core/config"),
    import("@rushes/core/dynamo"),
  ]);
  await ensureTable(clients.dynamo, tableDefinition(), log);
  await migrateKeys(log);
  await ensureBucket(clients.s3);
  const provisioned = await ensureMessaging(clients.sqs, clients.sns, {
    visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds ?? 300,
    maxReceiveCount: queue.maxReceiveCount,
    chunkMaxReceiveCount: Config.get().RUSHES_CHUNK_MAX_RECEIVES,
  });
  if (provisioned.queueUrl !== expected.queueUrl || provisioned.topicArn !== expected.topicArn) {
    throw new Error(
      `fauxqs named the queue ${provisioned.queueUrl}, expected ${expected.queueUrl}`,
    );
  }
  return provisioned;
}

/**
 * Data written before keys became case-exact has lower-cased keys that today's queries miss;
 * rewrite it before anything reads the table. A no-op (one scan) once done.
 */
async function migrateKeys(log: Log) {
  const { KeyMigration } = await import("@rushes/core/key-migration");
  const { rewritten, skipped } = await KeyMigration.run();
  if (rewritten) log.info(`rewrote ${rewritten} item(s) to case-exact keys`);
  if (skipped) {
    log.warn(`${skipped} item(s) could not be given case-exact keys and stay unreachable`);
  }
}
