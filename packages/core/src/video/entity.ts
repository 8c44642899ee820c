import { Entity } from "electrodb";
import {
  dueIndex,
  errorAttribute,
  lifecycleAttributes,
  service,
  thumbnailsAttribute,
} from "../attributes";
import { Statuses } from "./status";

/*
 * Every key that an API reaches is scoped by owner, so a guessed id from another owner can only
 * ever miss.
 */
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
    /** `uploads/…` until ingest moves the validated source out of the presign's reach. */
    sourceKey: { type: "string", required: true },
    status: { type: Statuses, required: true },
    error: errorAttribute,
    attempts: { type: "number", default: 0 },
    processingStartedAt: { type: "number" },
    transcodeJobId: { type: "string" },
    ...lifecycleAttributes,
    /** Chunked transcodes: how many chunks, which are done (a set, so a redelivery counts once), and the one stitch's claim. */
    chunks: { type: "number" },
    chunksDone: { type: "set", items: "number" },
    stitchStartedAt: { type: "number" },
    /** Then the MP4 downloads, one job each: which are built (a set), and the one finish's claim. */
    downloadsDone: { type: "set", items: "string" },
    finishStartedAt: { type: "number" },
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
    /** The HLS ladder, as its master playlist describes it; what playback needs without S3. */
    hls: {
      type: "map",
      properties: {
        masterKey: { type: "string", required: true },
        rungs: {
          type: "list",
          required: true,
          items: {
            type: "map",
            properties: {
              name: { type: "string", required: true },
              width: { type: "number", required: true },
              height: { type: "number", required: true },
              bandwidth: { type: "number", required: true },
              codecs: { type: "string", required: true },
            },
          },
        },
      },
    },
    storyboard: {
      type: "map",
      properties: {
        key: { type: "string", required: true },
        sheets: { type: "list", required: true, items: { type: "string" } },
        intervalMs: { type: "number", required: true },
        tileWidth: { type: "number", required: true },
        tileHeight: { type: "number", required: true },
        count: { type: "number", required: true },
      },
    },
    // Index composites, never `hidden`: ElectroDB rebuilds a page's cursor from the last item it
    // returns, and a hidden composite is missing there, so the next page started in another
    // partition (dynalite: "The query can return at most one row and cannot be restarted").
    projectScope: { type: "string", readOnly: true },
    projectSort: { type: "string", readOnly: true },
    stepScope: { type: "string", readOnly: true },
    stepSort: { type: "string", readOnly: true },
    cameraScope: { type: "string", readOnly: true },
    cameraId: { type: "string", readOnly: true },
    /** Epoch ms. Fixed-width (13 digits) so the string sort key orders numerically. */
    recordedAt: { type: "number", readOnly: true },
    endsAt: { type: "number" },
    /** Multipart uploads only: S3's UploadId, and the part plan handed to the client. */
    uploadId: { type: "string", readOnly: true },
    partSize: { type: "number", readOnly: true },
    partCount: { type: "number", readOnly: true },
    /** Set once CompleteMultipartUpload succeeded, so a second completion is a clear 409. */
    uploadCompletedAt: { type: "number" },
    uploadExpiresAt: { type: "number", required: true, readOnly: true },
    createdAt: { type: "number", required: true, readOnly: true },
    updatedAt: { type: "number", watch: "*", default: () => Date.now(), set: () => Date.now() },
  },
  indexes: {
    // The video and its events share a partition: one query returns the record and its history.
    byId: {
      collection: "history",
      pk: { field: "pk", composite: ["videoId"], casing: "none" },
      sk: { field: "sk", composite: [], casing: "none" },
    },
    // ULIDs sort by creation time, so descending videoId is newest first.
    byOwner: {
      index: "gsi1",
      pk: { field: "gsi1pk", composite: ["owner"], casing: "none" },
      sk: { field: "gsi1sk", composite: ["videoId"], casing: "none" },
    },
    // Sparse: only videos with a project (and step) are here. ElectroDB refuses a key whose
    // composites are only partly present, so each sparse index has its own pair of attributes,
    // set together at create: *Scope = "owner/project[/step]", *Sort = videoId.
    byProject: {
      index: "gsi2",
      condition: (attr) => attr.projectScope !== undefined,
      pk: { field: "gsi2pk", composite: ["projectScope"], casing: "none" },
      sk: { field: "gsi2sk", composite: ["projectSort"], casing: "none" },
    },
    byStep: {
      index: "gsi3",
      condition: (attr) => attr.stepScope !== undefined,
      pk: { field: "gsi3pk", composite: ["stepScope"], casing: "none" },
      sk: { field: "gsi3sk", composite: ["stepSort"], casing: "none" },
    },
    byStatus: {
      index: "gsi4",
      pk: { field: "gsi4pk", composite: ["owner", "status"], casing: "none" },
      sk: { field: "gsi4sk", composite: ["videoId"], casing: "none" },
    },
    // Recordings: a camera's footage ordered by when it was recorded, for clip cutting.
    byCamera: {
      index: "gsi5",
      condition: (attr) => attr.cameraScope !== undefined,
      pk: { field: "gsi5pk", composite: ["cameraScope"], casing: "none" },
      sk: { field: "gsi5sk", composite: ["recordedAt"], casing: "none" },
    },
    byDue: dueIndex,
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
      pk: { field: "pk", composite: ["videoId"], casing: "none" },
      sk: { field: "sk", composite: ["eventId"], casing: "none" },
    },
  },
});
