import { Entity } from "electrodb";
import { service } from "../attributes";

export const ApiKeyEntity = new Entity({
  model: { entity: "apiKey", version: "1", service },
  attributes: {
    /** sha256 of the bearer key; the key itself is never stored. */
    keyHash: { type: "string", required: true, readOnly: true },
    /**
     * `key_…`: what listings show and revocation names, since the hash is a credential lookup.
     * Not `required`: keys from before ids existed must still load (and be re-keyed by
     * KeyMigration); ApiKey.authenticate gives them an id and a prefix on first use.
     */
    keyId: { type: "string", readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    /** The first characters of the key, so a person can tell keys apart. */
    prefix: { type: "string", readOnly: true },
    createdAt: { type: "number", required: true, readOnly: true },
    /** Written at most once a minute per key (ApiKey.touch). */
    lastUsedAt: { type: "number" },
  },
  indexes: {
    // Authentication looks a key up by its hash: one GetItem per request. Keys are case-exact.
    byHash: {
      pk: { field: "pk", composite: ["keyHash"], casing: "none" },
      sk: { field: "sk", composite: [], casing: "none" },
    },
    byOwner: {
      index: "gsi1",
      pk: { field: "gsi1pk", composite: ["owner"], casing: "none" },
      sk: { field: "gsi1sk", composite: ["keyId"], casing: "none" },
    },
    // One constant partition: the admin's listing, and lookup by id (sk = keyId) to revoke.
    all: {
      index: "gsi2",
      pk: { field: "gsi2pk", composite: [], casing: "none" },
      sk: { field: "gsi2sk", composite: ["keyId"], casing: "none" },
    },
  },
});
