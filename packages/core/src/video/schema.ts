import type { EntityItem } from "electrodb";
import * as z from "zod";
import { Config } from "../config";
import { isId } from "../id";
import {
  AudioInfo,
  ErrorInfo,
  HlsInfo,
  ProbeInfo,
  Rendition as StoredRendition,
  Thumbnail as StoredThumbnail,
  StoryboardInfo,
} from "../shapes";
import { Time } from "../time";
import type { VideoEntity } from "./entity";
import { Statuses } from "./status";

export type VideoItem = EntityItem<typeof VideoEntity>;

export { Statuses };
export type Status = (typeof Statuses)[number];

/** Unfinished uploads become `expired` this long after the presigned POST stops working. */
export const uploadGraceMs = () => Config.get().RUSHES_UPLOAD_GRACE_SECONDS * 1000;
export const Status = z.enum(Statuses);

/**
 * ISO 8601 with an offset, or epoch milliseconds. Always becomes epoch ms, between 2000-01-01 and
 * a day from now: anything else is a client bug, and stored it would break arithmetic (endsAt)
 * and formatting downstream. Out of bounds is a 400 with code `instant_out_of_range`.
 */
export const Instant = z
  .union([
    z.number().int().nonnegative().max(8.64e15),
    z.iso.datetime({ offset: true }),
    z.string().regex(/^\d{10,16}$/),
  ])
  .transform((v) => (typeof v === "number" ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v)))
  .refine((ms) => Time.inBounds(ms), {
    message: "must be between 2000-01-01T00:00:00Z and one day from now",
    params: { code: "instant_out_of_range" },
  })
  .meta({
    description:
      "ISO 8601 timestamp with offset, or epoch milliseconds, from 2000-01-01 to one day from now",
  });

const Label = z.string().trim().min(1).max(200);
const Slug = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^/\n\r\t]+$/, "must not contain slashes or control characters");

/**
 * A step is a slug or a non-negative integer (the seed stored numbers). Stored and returned as
 * a string, one canonical form, so `?step=0` finds what was created with `0` or `"0"`.
 */
export const Step = z
  .union([z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), Slug])
  .transform((v) => String(v))
  .meta({
    description: 'A slug or a non-negative integer; always stored and returned as a string ("0")',
  });

/** The part of the probe a client sees. */
export const Probe = ProbeInfo.pick({
  durationMs: true,
  width: true,
  height: true,
  videoCodec: true,
  audioCodec: true,
  fps: true,
});

/** Stored shapes, plus a presigned `url` where the API signs one. */
export const Rendition = StoredRendition.extend({ url: z.string().optional() });
export const Thumbnail = StoredThumbnail.extend({ url: z.string().optional() });

export const Info = z
  .object({
    id: z.string().meta({ example: "vid_01jd7m3y8q4k6x2v9c0b5n1e7r" }),
    status: Status,
    filename: z.string(),
    contentType: z.string(),
    bytes: z.number(),
    title: z.string().optional(),
    project: z.string().optional(),
    step: z.string().optional(),
    uploader: z.string().optional(),
    error: ErrorInfo.optional(),
    probe: Probe.optional(),
    source: z.object({ key: z.string(), url: z.string().optional() }),
    renditions: z.array(Rendition),
    thumbnails: z.array(Thumbnail),
    hls: HlsInfo.optional(),
    storyboard: StoryboardInfo.optional(),
    audio: z
      .object({
        download: z
          .object({
            name: z.literal("audio"),
            contentType: z.literal("audio/mp4"),
            key: z.string(),
            bytes: z.number(),
            url: z.string().optional(),
          })
          .optional()
          .meta({
            description: "The audio rendition as an .m4a (AAC) download; absent without audio",
          }),
        loudness: AudioInfo.shape.loudness.meta({
          description:
            "EBU R128 loudness, when normalised: measured on the source (input) and the produced audio (output), in LUFS and dBTP",
        }),
      })
      .optional(),
    playableAt: z.string().optional().meta({
      description: "When the video became playable while processing (`video.playable`)",
    }),
    /**
     * Signed links for players, on a single ready video, or a processing one once playable: no
     * Authorization header needed.
     */
    playback: z
      .object({
        hls: z.string().meta({ description: "The HLS master playlist, through a playback token" }),
        storyboard: z.string().optional().meta({ description: "WebVTT storyboard for scrubbing" }),
        expiresAt: z.string(),
        complete: z.boolean().meta({
          description:
            "false while the video still encodes: its media playlists are EVENT playlists that grow as segments are stored; true once ready (VOD)",
        }),
        playableAt: z
          .string()
          .optional()
          .meta({ description: "When the first segments of every rung were stored" }),
      })
      .optional(),
    camera: z
      .object({ cameraId: z.string(), recordedAt: z.string(), endsAt: z.string().optional() })
      .optional(),
    /** Present on a URL ingest: where from (without credentials or query), and how far along. */
    fetch: z
      .object({
        url: z.string(),
        bytes: z.number().meta({ description: "Bytes stored so far (at the last checkpoint)" }),
        totalBytes: z.number().optional(),
      })
      .optional(),
    /** Present on multipart uploads: what a client needs to resume with only the id. */
    multipart: z.object({ partSize: z.number(), partCount: z.number() }).optional(),
    attempts: z.number(),
    /** What processing this video cost so far, per step: who spent what (quota/charges.ts). */
    cost: z
      .object({
        gbSeconds: z.number().meta({ description: "Lambda GB-seconds (memory × duration)" }),
        mediaconvertMinutes: z.number(),
        steps: z.array(
          z.object({
            step: z.string().meta({ example: "chunk" }),
            runs: z.number(),
            gbSeconds: z.number(),
            mediaconvertMinutes: z.number(),
          }),
        ),
      })
      .optional(),
    uploadExpiresAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Video" });
export type Info = z.infer<typeof Info>;

export const CreateInput = z
  .object({
    filename: z.string().trim().min(1).max(255),
    contentType: z
      .string()
      .trim()
      .toLowerCase()
      .max(100)
      .regex(/^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/, "must be a MIME type like video/mp4"),
    bytes: z.number().int().positive(),
    title: Label.optional(),
    project: Slug.optional(),
    step: Step.optional(),
    uploader: Label.optional(),
    camera: z.object({ cameraId: Slug, recordedAt: Instant }).optional(),
    captions: z
      .object({
        auto: z.literal(true),
        language: z
          .string()
          .regex(/^(auto|[A-Za-z0-9-]{2,35})$/)
          .default("auto"),
      })
      .optional()
      .meta({
        description:
          'Caption the video automatically once it is ready (POST /v1/videos/:id/captions/auto): `language` is a BCP 47 tag or "auto"',
      }),
    multipart: z
      .boolean()
      .optional()
      .meta({ description: "Upload in parts even below RUSHES_MULTIPART_THRESHOLD_BYTES" }),
    normalizeAudio: z.boolean().optional().meta({
      description:
        "Normalise loudness (EBU R128) to RUSHES_LOUDNESS_TARGET_LUFS, true peak under -1 dBTP; default RUSHES_NORMALIZE_AUDIO",
    }),
  })
  .refine((v) => v.step === undefined || v.project !== undefined, {
    message: "step requires project",
    path: ["step"],
  })
  .meta({ id: "CreateUpload" });
export type CreateInput = z.input<typeof CreateInput>;

/**
 * `POST /v1/uploads` with a `url`: rushes fetches the source itself (video/fetch.ts). The
 * upload's fields are optional here: the filename defaults to the URL's last path segment, the
 * content type to what its extension says (else video/mp4), and `bytes`, if given, lowers the
 * most that will be fetched below the upload limit.
 */
export const FromUrlInput = z
  .object({
    url: z
      .string()
      .trim()
      .max(4096)
      .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), {
        message: "must be an http or https URL",
        params: { code: "invalid_url" },
      })
      .meta({ example: "https://example.com/rushes/take-1.mp4" }),
    filename: CreateInput.shape.filename.optional(),
    contentType: CreateInput.shape.contentType.optional(),
    bytes: CreateInput.shape.bytes.optional(),
    title: CreateInput.shape.title,
    project: CreateInput.shape.project,
    step: CreateInput.shape.step,
    uploader: CreateInput.shape.uploader,
    camera: CreateInput.shape.camera,
  })
  .refine((v) => v.step === undefined || v.project !== undefined, {
    message: "step requires project",
    path: ["step"],
  })
  .meta({ id: "CreateUploadFromUrl" });
export type FromUrlInput = z.input<typeof FromUrlInput>;

/** Either kind of `POST /v1/uploads` body, for the OpenAPI document. */
export const CreateRequest = z.union([CreateInput, FromUrlInput]);

/** `?limit&cursor`, shared by every listing. */
export const PageInput = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional(),
});

export const ListInput = PageInput.extend({
  status: Status.optional(),
  project: Slug.optional(),
  step: Step.optional(),
}).refine((v) => v.step === undefined || v.project !== undefined, {
  message: "step requires project",
  path: ["step"],
});

export const VideoId = z.string().refine((v) => isId("video", v), "must be a video id (vid_…)");

export const EventInfo = z
  .object({ id: z.string(), type: z.string(), at: z.string(), detail: z.unknown().optional() })
  .meta({ id: "VideoEvent" });

/** S3 numbers parts 1..10,000. */
export const PartNumber = z.number().int().min(1).max(10_000);

export const SignPartsInput = z
  .object({ partNumbers: z.array(PartNumber).min(1).max(100) })
  .refine((v) => new Set(v.partNumbers).size === v.partNumbers.length, {
    message: "part numbers must not repeat",
    path: ["partNumbers"],
  })
  .meta({ id: "SignParts" });

export const CompleteInput = z
  .object({
    parts: z
      .array(z.object({ partNumber: PartNumber, etag: z.string().trim().min(1).max(200) }))
      .min(1)
      .max(10_000),
  })
  .meta({ id: "CompleteUpload" });

export const SignedPart = z.object({
  partNumber: z.number(),
  url: z.string(),
  expiresAt: z.string(),
});
export const UploadedPart = z.object({
  partNumber: z.number(),
  etag: z.string(),
  bytes: z.number(),
});
