import { Entity } from "electrodb";
import { service } from "../attributes";

/*
 * An owner's quota records share the owner's partition (pk = owner): the limits and the bytes
 * stored, one item per processing slot, and one usage item per UTC hour. Every read is a get or
 * a query in that partition; no index is needed.
 */

/** An owner's limit overrides (admin) and running bytes stored. Absent until either exists. */
export const QuotaEntity = new Entity({
  model: { entity: "quota", version: "1", service },
  attributes: {
    owner: { type: "string", required: true, readOnly: true },
    /** Overrides of the settings' defaults; absent means the default. */
    concurrentProcessing: { type: "number" },
    dailySourceMinutes: { type: "number" },
    storageBytes: { type: "number" },
    hourlyClips: { type: "number" },
    /** Sources plus outputs now stored (an atomic counter). */
    bytesStored: { type: "number" },
    updatedAt: { type: "number", watch: "*", default: () => Date.now(), set: () => Date.now() },
  },
  indexes: {
    byOwner: {
      collection: "quota",
      pk: { field: "pk", composite: ["owner"], casing: "none" },
      sk: { field: "sk", composite: [], casing: "none" },
    },
  },
});

/**
 * One processing slot (0 … limit-1), held by a video while it processes. A lease, like the
 * video's: past a short grace (`until`) it holds only while its video is `processing` under a
 * live lease, so neither a crashed worker nor a lost release keeps it.
 */
export const SlotEntity = new Entity({
  model: { entity: "slot", version: "1", service },
  attributes: {
    owner: { type: "string", required: true, readOnly: true },
    slot: { type: "number", required: true, readOnly: true },
    videoId: { type: "string", required: true },
    until: { type: "number", required: true },
  },
  indexes: {
    byOwner: {
      collection: "quota",
      pk: { field: "pk", composite: ["owner"], casing: "none" },
      sk: { field: "sk", composite: ["slot"], casing: "none" },
    },
  },
});

/** What an owner used in one UTC hour (`2026-12-07T14`): atomic counters, summed per day. */
export const UsageEntity = new Entity({
  model: { entity: "usage", version: "1", service },
  attributes: {
    owner: { type: "string", required: true, readOnly: true },
    hour: { type: "string", required: true, readOnly: true },
    sourceMs: { type: "number" },
    outputMs: { type: "number" },
    clips: { type: "number" },
    gbSeconds: { type: "number" },
    mediaconvertMinutes: { type: "number" },
    /** The owner's bytes stored after the hour's last change. */
    bytesStored: { type: "number" },
  },
  indexes: {
    byOwner: {
      collection: "quota",
      pk: { field: "pk", composite: ["owner"], casing: "none" },
      sk: { field: "sk", composite: ["hour"], casing: "none" },
    },
  },
});
