import { Entity } from "electrodb";
import {
  dueIndex,
  errorAttribute,
  lifecycleAttributes,
  service,
  thumbnailsAttribute,
} from "../attributes";
import { Statuses } from "./status";

export const ClipEntity = new Entity({
  model: { entity: "clip", version: "1", service },
  attributes: {
    clipId: { type: "string", required: true, readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    // The clip's source: a camera's recordings (cameraId), or one video (videoId), whose
    // startAt/endAt are then milliseconds from the video's start.
    cameraId: { type: "string", readOnly: true },
    videoId: { type: "string", readOnly: true },
    /**
     * `owner` and `clipId` again, on camera clips only: `byCamera`'s composites, labelled as the
     * originals were so its keys read as before, and absent on video clips so it stays sparse.
     */
    cameraOwner: {
      type: "string",
      label: "owner",
      watch: ["cameraId"],
      set: (_, item) => (item.cameraId ? item.owner : undefined),
    },
    cameraClipId: {
      type: "string",
      label: "clipId",
      watch: ["cameraId"],
      set: (_, item) => (item.cameraId ? item.clipId : undefined),
    },
    startAt: { type: "number", required: true, readOnly: true },
    endAt: { type: "number", required: true, readOnly: true },
    accuracy: { type: ["exact", "fast"] as const, required: true, readOnly: true },
    status: { type: Statuses, required: true },
    attempts: { type: "number", default: 0 },
    processingStartedAt: { type: "number" },
    ...lifecycleAttributes,
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
    byId: {
      pk: { field: "pk", composite: ["clipId"], casing: "none" },
      sk: { field: "sk", composite: [], casing: "none" },
    },
    byOwner: {
      index: "gsi1",
      pk: { field: "gsi1pk", composite: ["owner"], casing: "none" },
      sk: { field: "gsi1sk", composite: ["clipId"], casing: "none" },
    },
    // Sparse: only camera clips are listed by camera.
    byCamera: {
      index: "gsi2",
      pk: { field: "gsi2pk", composite: ["cameraOwner", "cameraId"], casing: "none" },
      sk: { field: "gsi2sk", composite: ["cameraClipId"], casing: "none" },
    },
    // Lets the local runtime (and an operator) find clips still pending after a restart.
    byStatus: {
      index: "gsi4",
      pk: { field: "gsi4pk", composite: ["status"], casing: "none" },
      sk: { field: "gsi4sk", composite: ["clipId"], casing: "none" },
    },
    byDue: dueIndex,
  },
});
