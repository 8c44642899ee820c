import { Entity } from "electrodb";
import { service } from "../attributes";

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
      pk: { field: "pk", composite: ["owner", "cameraId"], casing: "none" },
      sk: { field: "sk", composite: [], casing: "none" },
    },
    byOwner: {
      index: "gsi1",
      pk: { field: "gsi1pk", composite: ["owner"], casing: "none" },
      sk: { field: "gsi1sk", composite: ["cameraId"], casing: "none" },
    },
  },
});
