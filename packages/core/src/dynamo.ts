import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { Entity, Service } from "electrodb";
import { Resource } from "sst";
import { Aws } from "./aws";
import { Statuses as clipStatuses } from "./clip/schema";
import { Statuses as videoStatuses } from "./video/schema";

/*
 * One table, generic key fields (pk/sk, gsi1pk/gsi1sk, ...). Every key that an API reaches is
 * scoped by owner, so a guessed id from another owner can only ever miss.
 */
const service = "rushes";

const errorAttribute = {
  type: "map",
  properties: {
    code: { type: "string", required: true },
    message: { type: "string", required: true },
  },
} as const;

const thumbnailsAttribute = {
  type: "list",
  items: {
    type: "map",
    properties: {
      width: { type: "number", required: true },
      height: { type: "number", required: true },
      key: { type: "string", required: true },
    },
  },
} as const;

export const VideoEntity = new Entity({
  model: { entity: "video", version: "1", service },
  attributes: {
    videoId: { type: "string", required: true, readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    title: { type: "string" },
    project: { type: "string", readOnly: true },
    step: { type: "string", readOnly: true },
    uploader: { type: "string" },
    filename: { type: "string", required: true, readOnly: true },
    contentType: { type: "string", required: true, readOnly: true },
    /** Declared by the client at presign time; ingest re-checks the real size against it. */
    bytes: { type: "number", required: true, readOnly: true },
    sourceKey: { type: "string", required: true, readOnly: true },
    status: { type: videoStatuses, required: true },
    error: errorAttribute,
    attempts: { type: "number", default: 0 },
    processingStartedAt: { type: "number" },
    transcodeJobId: { type: "string" },
    probe: {
      type: "map",
      properties: {
        durationMs: { type: "number", required: true },
        width: { type: "number", required: true },
        height: { type: "number", required: true },
        videoCodec: { type: "string", required: true },
        audioCodec: { type: "string" },
        fps: { type: "number" },
        formatName: { type: "string" },
        rotation: { type: "number" },
      },
    },
    renditions: {
      type: "list",
      items: {
        type: "map",
        properties: {
          name: { type: "string", required: true },
          width: { type: "number", required: true },
          height: { type: "number", required: true },
          bytes: { type: "number", required: true },
          key: { type: "string", required: true },
        },
      },
    },
    thumbnails: thumbnailsAttribute,
    projectScope: { type: "string", readOnly: true, hidden: true },
    projectSort: { type: "string", readOnly: true, hidden: true },
    stepScope: { type: "string", readOnly: true, hidden: true },
    stepSort: { type: "string", readOnly: true, hidden: true },
    cameraScope: { type: "string", readOnly: true, hidden: true },
    cameraId: { type: "string", readOnly: true },
    /** Epoch ms. Fixed-width (13 digits) so the string sort key orders numerically. */
    recordedAt: { type: "number", readOnly: true },
    endsAt: { type: "number" },
    uploadExpiresAt: { type: "number", required: true, readOnly: true },
    createdAt: { type: "number", required: true, readOnly: true },
    updatedAt: { type: "number", watch: "*", default: () => Date.now(), set: () => Date.now() },
  },
  indexes: {
    // The video and its events share a partition: one query returns the record and its history.
    byId: {
      collection: "history",
      pk: { field: "pk", composite: ["videoId"] },
      sk: { field: "sk", composite: [] },
    },
    // ULIDs sort by creation time, so descending videoId is newest first.
    byOwner: {
      index: "gsi1",
      pk: { field: "gsi1pk", composite: ["owner"] },
      sk: { field: "gsi1sk", composite: ["videoId"] },
    },
    // Sparse: only videos with a project (and step) are here. ElectroDB refuses a key whose
    // composites are only partly present, so each sparse index has its own pair of attributes,
    // set together at create: *Scope = "owner/project[/step]", *Sort = videoId.
    byProject: {
      index: "gsi2",
      condition: (attr) => attr.projectScope !== undefined,
      pk: { field: "gsi2pk", composite: ["projectScope"] },
      sk: { field: "gsi2sk", composite: ["projectSort"] },
    },
    byStep: {
      index: "gsi3",
      condition: (attr) => attr.stepScope !== undefined,
      pk: { field: "gsi3pk", composite: ["stepScope"] },
      sk: { field: "gsi3sk", composite: ["stepSort"] },
    },
    byStatus: {
      index: "gsi4",
      pk: { field: "gsi4pk", composite: ["owner", "status"] },
      sk: { field: "gsi4sk", composite: ["videoId"] },
    },
    // Recordings: a camera's footage ordered by when it was recorded, for clip cutting.
    byCamera: {
      index: "gsi5",
      condition: (attr) => attr.cameraScope !== undefined,
      pk: { field: "gsi5pk", composite: ["cameraScope"] },
      sk: { field: "gsi5sk", composite: ["recordedAt"] },
    },
  },
});

export const VideoEventEntity = new Entity({
  model: { entity: "videoEvent", version: "1", service },
  attributes: {
    videoId: { type: "string", required: true, readOnly: true },
    eventId: { type: "string", required: true, readOnly: true },
    type: { type: "string", required: true, readOnly: true },
    at: { type: "number", required: true, readOnly: true },
    detail: { type: "any" },
  },
  indexes: {
    byId: {
      collection: "history",
      pk: { field: "pk", composite: ["videoId"] },
      sk: { field: "sk", composite: ["eventId"] },
    },
  },
});

export const ApiKeyEntity = new Entity({
  model: { entity: "apiKey", version: "1", service },
  attributes: {
    /** sha256 of the bearer key; the key itself is never stored. */
    keyHash: { type: "string", required: true, readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    createdAt: { type: "number", required: true, readOnly: true },
  },
  indexes: {
    byHash: { pk: { field: "pk", composite: ["keyHash"] }, sk: { field: "sk", composite: [] } },
  },
});

export const CameraEntity = new Entity({
  model: { entity: "camera", version: "1", service },
  attributes: {
    cameraId: { type: "string", required: true, readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    alias: { type: "string", required: true },
    createdAt: { type: "number", required: true, readOnly: true },
  },
  indexes: {
    // Client-chosen camera ids are only unique per owner.
    byId: {
      pk: { field: "pk", composite: ["owner", "cameraId"] },
      sk: { field: "sk", composite: [] },
    },
    byOwner: {
      index: "gsi1",
      pk: { field: "gsi1pk", composite: ["owner"] },
      sk: { field: "gsi1sk", composite: ["cameraId"] },
    },
  },
});

export const ClipEntity = new Entity({
  model: { entity: "clip", version: "1", service },
  attributes: {
    clipId: { type: "string", required: true, readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    cameraId: { type: "string", required: true, readOnly: true },
    startAt: { type: "number", required: true, readOnly: true },
    endAt: { type: "number", required: true, readOnly: true },
    accuracy: { type: ["exact", "fast"] as const, required: true, readOnly: true },
    status: { type: clipStatuses, required: true },
    attempts: { type: "number", default: 0 },
    processingStartedAt: { type: "number" },
    requestedAt: { type: "number", required: true, readOnly: true },
    output: {
      type: "map",
      properties: {
        key: { type: "string", required: true },
        bytes: { type: "number", required: true },
        durationMs: { type: "number", required: true },
      },
    },
    thumbnails: thumbnailsAttribute,
    sources: { type: "list", items: { type: "string" } },
    error: errorAttribute,
    updatedAt: { type: "number", watch: "*", default: () => Date.now(), set: () => Date.now() },
  },
  indexes: {
    byId: { pk: { field: "pk", composite: ["clipId"] }, sk: { field: "sk", composite: [] } },
    byOwner: {
      index: "gsi1",
      pk: { field: "gsi1pk", composite: ["owner"] },
      sk: { field: "gsi1sk", composite: ["clipId"] },
    },
    byCamera: {
      index: "gsi2",
      pk: { field: "gsi2pk", composite: ["owner", "cameraId"] },
      sk: { field: "gsi2sk", composite: ["clipId"] },
    },
    // Lets the local runtime (and an operator) find clips still pending after a restart.
    byStatus: {
      index: "gsi4",
      pk: { field: "gsi4pk", composite: ["status"] },
      sk: { field: "gsi4sk", composite: ["clipId"] },
    },
  },
});

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
    apiKey: ApiKeyEntity,
    camera: CameraEntity,
    clip: ClipEntity,
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
