import { describe, expect, it } from "vitest";
import { Dynamo, tableDefinition } from "../src/dynamo";
import { KeyMigration } from "../src/key-migration";

const now = 1_790_000_000_000;
const base = {
  videoId: "vid_01jd7m3y8q4k6x2v9c0b5n1e7r",
  owner: "acme",
  filename: "a.mp4",
  contentType: "video/mp4",
  bytes: 10,
  sourceKey: "uploads/vid_01jd7m3y8q4k6x2v9c0b5n1e7r/source",
  status: "awaiting_upload" as const,
  uploadExpiresAt: now,
  createdAt: now,
};

describe("ElectroDB key shapes", () => {
  it("keeps an owner's quota, slots and hourly usage in one partition, with no index", () => {
    const keys = [
      Dynamo.entities.quota.update({ owner: "acme" }).add({ bytesStored: 1 }).params(),
      Dynamo.entities.slot
        .create({ owner: "acme", slot: 2, videoId: base.videoId, until: now })
        .params(),
      Dynamo.entities.usage
        .update({ owner: "acme", hour: "2026-12-07T14" })
        .add({ clips: 1 })
        .params(),
    ].map(
      (p) =>
        (p as { Key?: Record<string, string>; Item?: Record<string, string> }).Key ??
        (p as { Item: Record<string, string> }).Item,
    );
    expect(keys.map((k) => k.pk)).toEqual([
      "$rushes#owner_acme",
      "$rushes#owner_acme",
      "$rushes#owner_acme",
    ]);
    expect(keys.map((k) => k.sk)).toEqual([
      "$quota#quota_1",
      "$quota#slot_1#slot_2",
      "$quota#usage_1#hour_2026-12-07T14",
    ]);
    for (const k of keys) expect(Object.keys(k).filter((f) => f.startsWith("gsi"))).toEqual([]);
    // An owner's webhook endpoints share the partition value, under another sort-key prefix.
    const endpoints = Dynamo.entities.webhookEndpoint.query.byOwner({ owner: "acme" }).params() as {
      ExpressionAttributeValues: Record<string, string>;
    };
    expect(Object.values(endpoints.ExpressionAttributeValues).join(" ")).not.toContain("$quota");
  });

  it("writes a plain video into the owner and status indexes only", () => {
    const { Item } = Dynamo.entities.video.create(base).params() as {
      Item: Record<string, unknown>;
    };
    expect(Item.pk).toBe("$rushes#videoId_vid_01jd7m3y8q4k6x2v9c0b5n1e7r");
    expect(Item.sk).toBe("$history#video_1");
    expect(Item.gsi1pk).toBe("$rushes#owner_acme");
    expect(Item.gsi1sk).toBe("$video_1#videoId_vid_01jd7m3y8q4k6x2v9c0b5n1e7r");
    expect(Item.gsi4pk).toBe("$rushes#owner_acme#status_awaiting_upload");
    // Sparse indexes stay empty for videos without project, step or camera.
    for (const f of ["gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "gsi5pk", "gsi5sk"]) {
      expect(Item[f]).toBeUndefined();
    }
  });

  it("indexes project and step when present, and a camera's recording only once ready", () => {
    const { Item } = Dynamo.entities.video
      .create({
        ...base,
        project: "launch",
        step: "rough-cut",
        projectScope: "acme/launch",
        projectSort: base.videoId,
        stepScope: "acme/launch/rough-cut",
        stepSort: base.videoId,
        cameraId: "cam-1",
        recordedAt: now,
      })
      .params() as { Item: Record<string, unknown> };
    expect(Item.gsi2pk).toBe("$rushes#projectScope_acme/launch");
    expect(Item.gsi3pk).toBe("$rushes#stepScope_acme/launch/rough-cut");
    // An upload on a camera is no recording yet: the recordings index stays sparse.
    expect(Item.gsi5pk).toBeUndefined();
    expect(Item.gsi5sk).toBeUndefined();
    // Becoming ready writes the keys, as they always read.
    const ready = Dynamo.entities.video
      .patch({ videoId: base.videoId })
      .composite({ owner: "acme" })
      .set({ status: "ready", cameraScope: "acme/cam-1", recordingStart: now })
      .params() as { ExpressionAttributeValues: Record<string, unknown> };
    expect(ready.ExpressionAttributeValues[":gsi5pk_u0"]).toBe("$rushes#cameraScope_acme/cam-1");
    expect(ready.ExpressionAttributeValues[":gsi5sk_u0"]).toBe(`$video_1#recordedAt_${now}`);
  });

  it("makes status changes conditional on owner and expected status, moving the status index", () => {
    const params = Dynamo.entities.video
      .patch({ videoId: base.videoId })
      .set({ status: "processing" })
      .composite({ owner: "acme" })
      .where((a, op) => op.eq(a.status, "awaiting_upload"))
      .params() as Record<string, any>;
    expect(params.ConditionExpression).toBe(
      "(attribute_exists(#pk) AND attribute_exists(#sk) AND #owner = :owner0) AND #status = :status0",
    );
    expect(params.ExpressionAttributeValues[":status0"]).toBe("awaiting_upload");
    expect(params.ExpressionAttributeValues[":gsi4pk_u0"]).toBe(
      "$rushes#owner_acme#status_processing",
    );
  });

  it("lists newest first on the owner index", () => {
    const params = Dynamo.entities.video.query
      .byOwner({ owner: "acme" })
      .params({ order: "desc" }) as Record<string, any>;
    expect(params.IndexName).toBe("gsi1");
    expect(params.ScanIndexForward).toBe(false);
    expect(params.ExpressionAttributeValues[":pk"]).toBe("$rushes#owner_acme");
  });

  it("keeps a video and its events in one partition", () => {
    const event = Dynamo.entities.videoEvent
      .create({ videoId: base.videoId, eventId: "evt_1", type: "created", at: now })
      .params() as { Item: Record<string, unknown> };
    expect(event.Item.pk).toBe("$rushes#videoId_vid_01jd7m3y8q4k6x2v9c0b5n1e7r");
    expect(event.Item.sk).toBe("$history#videoEvent_1#eventId_evt_1");
  });

  it("scopes cameras by owner and keys by hash", () => {
    const camera = Dynamo.entities.camera
      .create({ cameraId: "cam-1", owner: "acme", alias: "Pier", createdAt: now })
      .params() as { Item: Record<string, unknown> };
    expect(camera.Item.pk).toBe("$rushes#owner_acme#cameraId_cam-1");
    const key = Dynamo.entities.apiKey
      .create({
        keyHash: "abc",
        keyId: "key_01jd7m3y8q4k6x2v9c0b5n1e7r",
        owner: "acme",
        prefix: "rk_abcdef",
        createdAt: now,
      })
      .params() as {
      Item: Record<string, unknown>;
    };
    expect(key.Item.pk).toBe("$rushes#keyHash_abc");
    // Listing by owner, and one constant partition for the admin's listing and lookup by id.
    expect(key.Item.gsi1pk).toBe("$rushes#owner_acme");
    expect(key.Item.gsi1sk).toBe("$apiKey_1#keyId_key_01jd7m3y8q4k6x2v9c0b5n1e7r");
    expect(key.Item.gsi2pk).toBe("$rushes");
    expect(key.Item.gsi2sk).toBe("$apiKey_1#keyId_key_01jd7m3y8q4k6x2v9c0b5n1e7r");
  });

  it("derives the physical table from the entities", () => {
    const table = tableDefinition();
    expect(table.primaryIndex).toEqual({ hashKey: "pk", rangeKey: "sk" });
    expect(Object.keys(table.globalIndexes)).toEqual([
      "gsi1",
      "gsi2",
      "gsi3",
      "gsi4",
      "gsi5",
      "gsi6",
    ]);
    expect(table.globalIndexes.gsi5).toEqual({ hashKey: "gsi5pk", rangeKey: "gsi5sk" });
    // gsi6 is the lifecycle's `byDue` index, shared by videos and clips (the sweep's Queries).
    expect(table.globalIndexes.gsi6).toEqual({ hashKey: "gsi6pk", rangeKey: "gsi6sk" });
    expect(Object.keys(table.fields)).toHaveLength(14);
  });
});

describe("clip keys", () => {
  it("indexes a clip by id, owner, camera and status", () => {
    const { Item } = Dynamo.entities.clip
      .create({
        clipId: "clp_1",
        owner: "acme",
        cameraId: "pier",
        startAt: 1,
        endAt: 2,
        accuracy: "fast",
        status: "pending",
        requestedAt: 1,
      })
      .params() as { Item: Record<string, unknown> };
    expect(Item.pk).toBe("$rushes#clipId_clp_1");
    expect(Item.gsi1pk).toBe("$rushes#owner_acme");
    expect(Item.gsi2pk).toBe("$rushes#owner_acme#cameraId_pier");
    expect(Item.gsi2sk).toBe("$clip_1#clipId_clp_1");
    expect(Item.gsi4pk).toBe("$rushes#status_pending");
  });

  it("leaves a video's clip out of the camera index, and a status move leaves both as they were", () => {
    const { Item } = Dynamo.entities.clip
      .create({
        clipId: "clp_2",
        owner: "acme",
        videoId: "vid_1",
        startAt: 1000,
        endAt: 2000,
        accuracy: "exact",
        status: "pending",
        requestedAt: 1,
      })
      .params() as { Item: Record<string, unknown> };
    expect(Item.gsi1pk).toBe("$rushes#owner_acme");
    expect(Item.gsi4pk).toBe("$rushes#status_pending");
    expect(Item).not.toHaveProperty("gsi2pk");
    expect(Item).not.toHaveProperty("gsi2sk");
    const update = JSON.stringify(
      Dynamo.entities.clip.patch({ clipId: "clp_2" }).set({ status: "processing" }).params(),
    );
    expect(update).not.toContain("gsi2");
  });
});

describe("case-exact keys", () => {
  type Index = {
    pk: { field: string; casing?: string; composite: string[] };
    sk?: { field: string; casing?: string; composite: string[] };
  };
  const indexesOf = (entity: { schema: unknown }) =>
    Object.entries((entity.schema as { indexes: Record<string, Index> }).indexes);

  it("declares casing none on every key of every index of every entity", () => {
    const entities = Object.entries(Dynamo.entities);
    expect(entities.length).toBeGreaterThanOrEqual(5);
    for (const [name, entity] of entities) {
      for (const [access, index] of indexesOf(entity)) {
        expect(index.pk.casing, `${name}.${access}.pk`).toBe("none");
        if (index.sk) expect(index.sk.casing, `${name}.${access}.sk`).toBe("none");
      }
    }
  });

  it("hides no index composite (ElectroDB builds page cursors from the returned item)", () => {
    for (const [name, entity] of Object.entries(Dynamo.entities)) {
      const attributes = (entity.schema as { attributes: Record<string, { hidden?: boolean }> })
        .attributes;
      for (const [access, index] of indexesOf(entity)) {
        for (const composite of [...index.pk.composite, ...(index.sk?.composite ?? [])]) {
          expect(attributes[composite]?.hidden, `${name}.${access}: ${composite}`).not.toBe(true);
        }
      }
    }
  });

  it("keeps owners that differ only in case in different partitions", () => {
    const key = (owner: string) =>
      (
        Dynamo.entities.video.create({ ...base, owner }).params() as {
          Item: Record<string, string>;
        }
      ).Item;
    expect(key("Alice").gsi1pk).toBe("$rushes#owner_Alice");
    expect(key("alice").gsi1pk).toBe("$rushes#owner_alice");
    expect(key("ADMIN").gsi4pk).toBe("$rushes#owner_ADMIN#status_awaiting_upload");
    const query = (owner: string) =>
      (
        Dynamo.entities.video.query.byOwner({ owner }).params() as {
          ExpressionAttributeValues: Record<string, string>;
        }
      ).ExpressionAttributeValues[":pk"];
    expect(query("Alice")).toBe("$rushes#owner_Alice");
    expect(query("Alice")).not.toBe(query("alice"));
    const project = Dynamo.entities.video.query
      .byProject({ projectScope: "Alice/Launch" })
      .params() as { ExpressionAttributeValues: Record<string, string> };
    expect(project.ExpressionAttributeValues[":pk"]).toBe("$rushes#projectScope_Alice/Launch");
  });

  it("keeps camera ids that differ only in case apart, for cameras, clips and recordings", () => {
    const camera = (cameraId: string) =>
      (
        Dynamo.entities.camera.get({ owner: "acme", cameraId }).params() as {
          Key: Record<string, string>;
        }
      ).Key.pk;
    expect(camera("Pier-1")).toBe("$rushes#owner_acme#cameraId_Pier-1");
    expect(camera("pier-1")).toBe("$rushes#owner_acme#cameraId_pier-1");
    const clips = Dynamo.entities.clip.query
      .byCamera({ cameraOwner: "Acme", cameraId: "Pier-1" })
      .params() as { ExpressionAttributeValues: Record<string, string> };
    expect(clips.ExpressionAttributeValues[":pk"]).toBe("$rushes#owner_Acme#cameraId_Pier-1");
    const recordings = Dynamo.entities.video.query
      .byCamera({ cameraScope: "Acme/Pier-1" })
      .params() as { ExpressionAttributeValues: Record<string, string> };
    expect(recordings.ExpressionAttributeValues[":pk"]).toBe("$rushes#cameraScope_Acme/Pier-1");
  });
});

describe("key migration", () => {
  // As ElectroDB wrote it with its default (lower-case) key casing, before keys became exact.
  const legacy = {
    ...base,
    owner: "Alice",
    project: "Launch",
    projectScope: "Alice/Launch",
    projectSort: base.videoId,
    pk: "$rushes#videoid_vid_01jd7m3y8q4k6x2v9c0b5n1e7r",
    sk: "$history#video_1",
    gsi1pk: "$rushes#owner_alice",
    gsi1sk: "$video_1#videoid_vid_01jd7m3y8q4k6x2v9c0b5n1e7r",
    gsi2pk: "$rushes#projectscope_alice/launch",
    gsi2sk: "$video_1#projectsort_vid_01jd7m3y8q4k6x2v9c0b5n1e7r",
    gsi4pk: "$rushes#owner_alice#status_awaiting_upload",
    gsi4sk: "$video_1#videoid_vid_01jd7m3y8q4k6x2v9c0b5n1e7r",
    updatedAt: now,
    __edb_e__: "video",
    __edb_v__: "1",
  };

  it("rebuilds exact keys from the attributes, which always kept their case", () => {
    const next = KeyMigration.rekey(legacy)!;
    expect(next.pk).toBe("$rushes#videoId_vid_01jd7m3y8q4k6x2v9c0b5n1e7r");
    expect(next.gsi1pk).toBe("$rushes#owner_Alice");
    expect(next.gsi2pk).toBe("$rushes#projectScope_Alice/Launch");
    expect(next.gsi4pk).toBe("$rushes#owner_Alice#status_awaiting_upload");
    // Attributes are carried over untouched (updatedAt is not re-stamped).
    expect(next).toMatchObject({ owner: "Alice", project: "Launch", updatedAt: now, bytes: 10 });
    expect(next.gsi3pk).toBeUndefined();
  });

  it("takes an abandoned camera upload out of the recordings index, keeps a ready one", () => {
    const camera = {
      ...base,
      cameraId: "cam-1",
      cameraScope: "acme/cam-1",
      recordedAt: now,
      pk: "$rushes#videoId_vid_01jd7m3y8q4k6x2v9c0b5n1e7r",
      sk: "$history#video_1",
      gsi1pk: "$rushes#owner_acme",
      gsi1sk: "$video_1#videoId_vid_01jd7m3y8q4k6x2v9c0b5n1e7r",
      gsi4pk: "$rushes#owner_acme#status_awaiting_upload",
      gsi4sk: "$video_1#videoId_vid_01jd7m3y8q4k6x2v9c0b5n1e7r",
      gsi5pk: "$rushes#cameraScope_acme/cam-1",
      gsi5sk: `$video_1#recordedAt_${now}`,
      __edb_e__: "video",
      __edb_v__: "1",
    };
    const abandoned = KeyMigration.rekey(camera)!;
    expect(abandoned.gsi5pk).toBeUndefined();
    expect(abandoned.gsi5sk).toBeUndefined();
    expect(abandoned.cameraScope).toBeUndefined();
    expect(abandoned).toMatchObject({ cameraId: "cam-1", recordedAt: now });
    const ready = { ...camera, status: "ready", gsi4pk: "$rushes#owner_acme#status_ready" };
    expect(KeyMigration.rekey(ready)).toBeUndefined();
  });

  it("leaves current items and unknown entities alone", () => {
    const next = KeyMigration.rekey(legacy)!;
    expect(KeyMigration.rekey(next)).toBeUndefined();
    expect(KeyMigration.rekey({ pk: "x", sk: "y", __edb_e__: "nope", __edb_v__: "1" })).toBe(
      undefined,
    );
  });
});
