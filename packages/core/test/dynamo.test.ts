import { describe, expect, it } from "vitest";
import { Dynamo, tableDefinition } from "../src/dynamo";

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
  it("writes a plain video into the owner and status indexes only", () => {
    const { Item } = Dynamo.entities.video.create(base).params() as {
      Item: Record<string, unknown>;
    };
    expect(Item.pk).toBe("$rushes#videoid_vid_01jd7m3y8q4k6x2v9c0b5n1e7r");
    expect(Item.sk).toBe("$history#video_1");
    expect(Item.gsi1pk).toBe("$rushes#owner_acme");
    expect(Item.gsi1sk).toBe("$video_1#videoid_vid_01jd7m3y8q4k6x2v9c0b5n1e7r");
    expect(Item.gsi4pk).toBe("$rushes#owner_acme#status_awaiting_upload");
    // Sparse indexes stay empty for videos without project, step or camera.
    for (const f of ["gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "gsi5pk", "gsi5sk"]) {
      expect(Item[f]).toBeUndefined();
    }
  });

  it("indexes project, step and camera recordings when present", () => {
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
        cameraScope: "acme/cam-1",
        recordedAt: now,
      })
      .params() as { Item: Record<string, unknown> };
    expect(Item.gsi2pk).toBe("$rushes#projectscope_acme/launch");
    expect(Item.gsi3pk).toBe("$rushes#stepscope_acme/launch/rough-cut");
    expect(Item.gsi5pk).toBe("$rushes#camerascope_acme/cam-1");
    expect(Item.gsi5sk).toBe(`$video_1#recordedat_${now}`);
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
    expect(event.Item.pk).toBe("$rushes#videoid_vid_01jd7m3y8q4k6x2v9c0b5n1e7r");
    expect(event.Item.sk).toBe("$history#videoevent_1#eventid_evt_1");
  });

  it("scopes cameras by owner and keys by hash", () => {
    const camera = Dynamo.entities.camera
      .create({ cameraId: "cam-1", owner: "acme", alias: "Pier", createdAt: now })
      .params() as { Item: Record<string, unknown> };
    expect(camera.Item.pk).toBe("$rushes#owner_acme#cameraid_cam-1");
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
    expect(key.Item.pk).toBe("$rushes#keyhash_abc");
    // Listing by owner, and one constant partition for the admin's listing and lookup by id.
    expect(key.Item.gsi1pk).toBe("$rushes#owner_acme");
    expect(key.Item.gsi1sk).toBe("$apikey_1#keyid_key_01jd7m3y8q4k6x2v9c0b5n1e7r");
    expect(key.Item.gsi2pk).toBe("$rushes");
    expect(key.Item.gsi2sk).toBe("$apikey_1#keyid_key_01jd7m3y8q4k6x2v9c0b5n1e7r");
  });

  it("derives the physical table from the entities", () => {
    const table = tableDefinition();
    expect(table.primaryIndex).toEqual({ hashKey: "pk", rangeKey: "sk" });
    expect(Object.keys(table.globalIndexes)).toEqual(["gsi1", "gsi2", "gsi3", "gsi4", "gsi5"]);
    expect(table.globalIndexes.gsi5).toEqual({ hashKey: "gsi5pk", rangeKey: "gsi5sk" });
    expect(Object.keys(table.fields)).toHaveLength(12);
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
    expect(Item.pk).toBe("$rushes#clipid_clp_1");
    expect(Item.gsi1pk).toBe("$rushes#owner_acme");
    expect(Item.gsi2pk).toBe("$rushes#owner_acme#cameraid_pier");
    expect(Item.gsi2sk).toBe("$clip_1#clipid_clp_1");
    expect(Item.gsi4pk).toBe("$rushes#status_pending");
  });
});
