import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Service } from "electrodb";
import { Resource } from "sst";
import { ApiKeyEntity } from "./apikey/entity";
import { Aws } from "./aws";
import { CameraEntity } from "./camera/entity";
import { CaptionEntity } from "./captions/entity";
import { ClipEntity } from "./clip/entity";
import { IdempotencyEntity } from "./idempotency/entity";
import { QuotaEntity, SlotEntity, UsageEntity } from "./quota/entity";
import { VideoEntity, VideoEventEntity, VideoTombstoneEntity } from "./video/entity";
import { WebhookCountEntity, WebhookDeliveryEntity, WebhookEndpointEntity } from "./webhook/entity";

/* One table, generic key fields (pk/sk, gsi1pk/gsi1sk, ...); each entity lives beside its domain. */

type DynamoDBCommand = Parameters<DynamoDBClient["send"]>[0];

/**
 * ElectroDB takes any client with `send`; this one builds the real DynamoDB client on the first
 * query (Aws.dynamo), so importing the entities costs no SDK client construction.
 */
const client = {
  send: async (command: DynamoDBCommand, options?: { abortSignal?: AbortSignal }) =>
    (await Aws.dynamo()).send(command, options),
};

export const Dynamo = new Service(
  {
    video: VideoEntity,
    videoEvent: VideoEventEntity,
    videoTombstone: VideoTombstoneEntity,
    caption: CaptionEntity,
    apiKey: ApiKeyEntity,
    camera: CameraEntity,
    clip: ClipEntity,
    webhookEndpoint: WebhookEndpointEntity,
    webhookDelivery: WebhookDeliveryEntity,
    webhookCount: WebhookCountEntity,
    idempotency: IdempotencyEntity,
    quota: QuotaEntity,
    slot: SlotEntity,
    usage: UsageEntity,
  },
  { table: Resource.Table.name, client },
);

/** The physical table every entity above needs: mirrored by infra/storage.ts and the local runtime. */
export function tableDefinition() {
  const fields = new Set<string>();
  const globalIndexes: Record<string, { hashKey: string; rangeKey: string }> = {};
  for (const entity of Object.values(Dynamo.entities)) {
    for (const index of Object.values(entity.schema.indexes) as Array<{
      index?: string;
      pk: { field: string };
      sk?: { field: string };
    }>) {
      fields.add(index.pk.field);
      if (index.sk) fields.add(index.sk.field);
      if (index.index)
        globalIndexes[index.index] = { hashKey: index.pk.field, rangeKey: index.sk!.field };
    }
  }
  return {
    fields: Object.fromEntries([...fields].sort().map((f) => [f, "string" as const])),
    primaryIndex: { hashKey: "pk", rangeKey: "sk" },
    globalIndexes: Object.fromEntries(
      Object.entries(globalIndexes).sort(([a], [b]) => a.localeCompare(b)),
    ),
  };
}
