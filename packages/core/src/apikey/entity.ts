import { Entity } from "electrodb";
import { service } from "../attributes";

export const ApiKeyEntity = new Entity({
  model: { entity: "apiKey", version: "1", service },
  attributes: {
    /** sha256 of the bearer key; the key itself is never stored. */
    keyHash: { type: "string", required: true, readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    createdAt: { type: "number", required: true, readOnly: true },
  },
  indexes: {
    byHash: {
      pk: { field: "pk", composite: ["keyHash"], casing: "none" },
      sk: { field: "sk", composite: [], casing: "none" },
    },
  },
});
