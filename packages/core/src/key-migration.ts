import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";
import { Aws } from "./aws";
import { conditional } from "./conditional";
import { Dynamo } from "./dynamo";
import { logger } from "./log";

/**
 * Rewrites items whose stored keys differ from what the entities build today. Keys were
 * lower-cased by ElectroDB's default casing until they became case-exact (`casing: "none"`), so
 * data written before then (`$rushes#owner_alice`, `videoid_…`) is invisible to today's queries.
 * The attributes themselves always kept their case, so the exact keys can be rebuilt from them.
 * Idempotent and crash-safe: the new item is written before the old one is deleted, and a rerun
 * finds nothing left to do.
 */
export namespace KeyMigration {
  type Item = Record<string, unknown>;
  /** What this module needs of an entity, whatever its attributes. */
  interface LooseEntity {
    put(attributes: Item): { params(): unknown };
    schema: {
      model: { entity: string; version: string };
      indexes: Record<string, { pk: { field: string }; sk?: { field: string } }>;
    };
  }

  interface Model {
    entity: LooseEntity;
    keyFields: string[];
  }

  let cached: Map<string, Model> | undefined;
  function models(): Map<string, Model> {
    if (cached) return cached;
    const byName = new Map<string, Model>();
    for (const entity of Object.values(Dynamo.entities) as unknown as LooseEntity[]) {
      const { model } = entity.schema;
      const keyFields = new Set<string>();
      for (const index of Object.values(entity.schema.indexes)) {
        keyFields.add(index.pk.field);
        if (index.sk) keyFields.add(index.sk.field);
      }
      byName.set(`${model.entity}#${model.version}`, { entity, keyFields: [...keyFields] });
    }
    cached = byName;
    return byName;
  }

  /**
   * The item as today's entity would write it (the same attributes, today's keys), or undefined
   * when it is already current or belongs to no known entity.
   */
  export function rekey(item: Item): Item | undefined {
    const model = models().get(`${item.__edb_e__}#${item.__edb_v__}`);
    if (!model) return undefined;
    const isKey = (name: string) => model.keyFields.includes(name) || name.startsWith("__edb_");
    const attributes = upgrade(
      item.__edb_e__ as string,
      Object.fromEntries(Object.entries(item).filter(([name]) => !isKey(name))),
    );
    const { Item: built } = model.entity.put(attributes).params() as { Item: Item };
    const keys = Object.fromEntries(Object.entries(built).filter(([name]) => isKey(name)));
    const stale = [...new Set([...Object.keys(keys), ...Object.keys(item).filter(isKey)])].some(
      (name) => keys[name] !== item[name],
    );
    return stale ? { ...attributes, ...keys } : undefined;
  }

  /**
   * Attributes a newer model derives differently. A video used to join its camera's recordings
   * index when created; now only a `ready` one does, with `recordingStart` (video/entity.ts), so
   * an abandoned upload leaves the index here.
   */
  function upgrade(entity: string, attributes: Item): Item {
    if (entity !== "video" || attributes.cameraScope === undefined) return attributes;
    if (attributes.recordingStart !== undefined) return attributes;
    if (attributes.status === "ready")
      return { ...attributes, recordingStart: attributes.recordedAt };
    const { cameraScope: _, ...rest } = attributes;
    return rest;
  }

  /** Scans the table once and rewrites every stale item. Returns what it saw and changed. */
  export async function run(): Promise<{ scanned: number; rewritten: number; skipped: number }> {
    const doc = DynamoDBDocumentClient.from(await Aws.dynamo());
    const TableName = Resource.Table.name;
    let scanned = 0;
    let rewritten = 0;
    let skipped = 0;
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await doc.send(new ScanCommand({ TableName, ExclusiveStartKey }));
      for (const item of page.Items ?? []) {
        scanned++;
        let next: Item | undefined;
        try {
          next = rekey(item);
        } catch (error) {
          skipped++;
          logger().warn({ err: error, pk: item.pk, sk: item.sk }, "key migration skipped an item");
          continue;
        }
        if (!next) continue;
        // Rewritten in place only if nothing wrote it since the scan (every entity write stamps
        // `updatedAt`): a video that became ready meanwhile must not go back to its old self.
        const inPlace = next.pk === item.pk && next.sk === item.sk;
        const unchanged =
          inPlace && item.updatedAt !== undefined
            ? {
                ConditionExpression: "#updatedAt = :updatedAt",
                ExpressionAttributeNames: { "#updatedAt": "updatedAt" },
                ExpressionAttributeValues: { ":updatedAt": item.updatedAt },
              }
            : {};
        const put = await conditional(
          doc.send(new PutCommand({ TableName, Item: next, ...unchanged })),
        );
        if (!put) {
          skipped++;
          logger().warn(
            { pk: item.pk, sk: item.sk },
            "key migration: changed since the scan; run again",
          );
          continue;
        }
        if (next.pk !== item.pk || next.sk !== item.sk) {
          await doc.send(new DeleteCommand({ TableName, Key: { pk: item.pk, sk: item.sk } }));
        }
        rewritten++;
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return { scanned, rewritten, skipped };
  }
}
