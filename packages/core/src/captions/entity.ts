import { Entity } from "electrodb";
import { errorAttribute, service } from "../attributes";

export const CaptionStatuses = ["processing", "ready", "failed"] as const;
export const CaptionSources = ["upload", "auto"] as const;

/** One subtitle track of a video: its WebVTT lives at `key` (ObjectKeys.caption). */
export const CaptionEntity = new Entity({
  model: { entity: "caption", version: "1", service },
  attributes: {
    videoId: { type: "string", required: true, readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    /** BCP 47 in its canonical case ("en-US"), as the player shows it; the key lowercases it. */
    language: { type: "string", required: true, readOnly: true },
    /**
     * The language lowercased, the sort key: tags are case-insensitive (RFC 5646), so "en-us" and
     * "EN-US" name one track. Its own attribute because the `history` collection's sort keys are
     * all `casing: "none"`. Labelled as the language, so the key reads `#language_en-us`.
     */
    tag: { type: "string", required: true, readOnly: true, label: "language" },
    name: { type: "string", required: true },
    source: { type: CaptionSources, required: true },
    key: { type: "string", required: true },
    status: { type: CaptionStatuses, required: true },
    error: errorAttribute,
    createdAt: { type: "number", required: true, readOnly: true },
    updatedAt: { type: "number", watch: "*", default: () => Date.now(), set: () => Date.now() },
  },
  indexes: {
    // In the video's partition and its `history` collection: one query lists a video's tracks
    // (or reads the record with them), and a delete finds them where it finds the history.
    byId: {
      collection: "history",
      pk: { field: "pk", composite: ["videoId"], casing: "none" },
      sk: { field: "sk", composite: ["tag"], casing: "none" },
    },
  },
});
