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
    /** Asked at upload: automatic captions start on `video.ready` (captions/auto). */
    autoCaptions: { type: "map", properties: { language: { type: "string", required: true } } },
    ...lifecycleAttributes,
    /** Chunked transcodes: how many chunks, which are done (a set, so a redelivery counts once), and the one stitch's claim. */
    chunks: { type: "number" },
    chunksDone: { type: "set", items: "number" },
    stitchStartedAt: { type: "number" },
    /** When every rung's first segments were stored: it plays from then on (set once). */
    playableAt: { type: "number" },
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
    /** Loudness normalisation asked for at upload; absent means the owner-wide default. */
    normalizeAudio: { type: "boolean", readOnly: true },
    /** The `.m4a` download and the loudness figures (shapes.ts AudioInfo). */
    audio: {
      type: "map",
      properties: {
        download: {
          type: "map",
          properties: {
            key: { type: "string", required: true },
            bytes: { type: "number", required: true },
          },
        },
        loudness: {
          type: "map",
          properties: {
            input: {
              type: "map",
              required: true,
              properties: {
                integratedLufs: { type: "number" },
                truePeakDbtp: { type: "number" },
                lra: { type: "number" },
              },
            },
            output: {
              type: "map",
              properties: { integratedLufs: { type: "number" }, truePeakDbtp: { type: "number" } },
            },
            targetLufs: { type: "number", required: true },
            gainDb: { type: "number" },
          },
        },
      },
    },
    // Index composites, never `hidden`: ElectroDB rebuilds a page's cursor from the last item it
    // returns, and a hidden composite is missing there, so the next page started in another
    // partition (dynalite: "The query can return at most one row and cannot be restarted").
    projectScope: { type: "string", readOnly: true },
    projectSort: { type: "string", readOnly: true },
    stepScope: { type: "string", readOnly: true },
    stepSort: { type: "string", readOnly: true },
    /** Written only when the video becomes `ready` (lifecycle.ts): see `byCamera`. */
    cameraScope: { type: "string" },
    cameraId: { type: "string", readOnly: true },
    /** Epoch ms. Fixed-width (13 digits) so the string sort key orders numerically. */
    recordedAt: { type: "number", readOnly: true },
    /**
     * `recordedAt` again, written with `cameraScope` when the video becomes `ready`: the sort key
     * of `byCamera`, labelled as `recordedAt` was, so the keys read as they always did.
     */
    recordingStart: { type: "number", label: "recordedAt" },
    endsAt: { type: "number" },
    /** Quotas (core/src/quota): the source minutes charged (once), bytes this video stores now. */
    chargedSourceMs: { type: "number" },
    /** The processing slot (quota/slots.ts) its lease holds; released when processing ends. */
    slot: { type: "number" },
    storedBytes: { type: "number" },
    /** What processing cost, in total and per step (ingest, chunk, download, mediaconvert). */
    costGbSeconds: { type: "number" },
    costMediaconvertMinutes: { type: "number" },
    costSteps: {
      type: "list",
      items: {
        type: "map",
        properties: {
          step: { type: "string", required: true },
          gbSeconds: { type: "number" },
          mediaconvertMinutes: { type: "number" },
          at: { type: "number", required: true },
        },
      },
    },
    /** Multipart uploads only: S3's UploadId, and the part plan handed to the client. */
    uploadId: { type: "string", readOnly: true },
    partSize: { type: "number", readOnly: true },
    partCount: { type: "number", readOnly: true },
    /** URL ingest (video/fetch.ts): where the source comes from, as the owner gave it. */
    sourceUrl: { type: "string", readOnly: true },
    /** The fetch's last recorded progress (UrlFetch.Progress): its multipart upload and parts. */
    fetchProgress: { type: "any" },
    /** The one running fetch's claim: its runner id, until when it may run. */
    fetchRunner: { type: "string" },
    fetchLeaseUntil: { type: "number" },
    /** Bytes fetched so far, and the size the server announced, for the client's progress. */
    fetchedBytes: { type: "number" },
    fetchTotalBytes: { type: "number" },
    /** Set once CompleteMultipartUpload succeeded, so a second completion is a clear 409. */
    uploadCompletedAt: { type: "number" },
    /** A completion's claim, taken before S3 is asked: one `complete` (or abort) wins. */
    completingUntil: { type: "number" },
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
    // Recordings: a camera's ready footage ordered by when it was recorded, for clip cutting.
    // Sparse on `ready`: an upload never made (or still processing) is not in it, so a recordings
    // query reads what it returns, however many uploads a camera abandoned. Records written
    // before this keep their keys until the key migration (key-migration.ts) rebuilds them.
    byCamera: {
      index: "gsi5",
      condition: (attr) => attr.cameraScope !== undefined && attr.status === "ready",
      pk: { field: "gsi5pk", composite: ["cameraScope"], casing: "none" },
      sk: { field: "gsi5sk", composite: ["recordingStart"], casing: "none" },
    },
    byDue: dueIndex,
  },
});

/**
 * What a DELETE leaves behind: the record and its history go at once, but a worker that started
 * before the delete may still write objects. The sweep removes every prefix of the video once no
 * such worker can be running (core/src/sweep.ts), then this item. `dueAt` is when the last writer
 * outside our functions stops: the delete itself, or a MediaConvert job's deadline.
 */
export const VideoTombstoneEntity = new Entity({
  model: { entity: "videoTombstone", version: "1", service },
  attributes: {
    videoId: { type: "string", required: true, readOnly: true },
    owner: { type: "string", required: true, readOnly: true },
    deletedAt: { type: "number", required: true, readOnly: true },
    dueScope: { type: "string", required: true, readOnly: true },
    dueAt: { type: "number", required: true, readOnly: true },
  },
  indexes: {
    // Beside the record it outlives, outside its `history` collection.
    byId: {
      pk: { field: "pk", composite: ["videoId"], casing: "none" },
      sk: { field: "sk", composite: [], casing: "none" },
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
