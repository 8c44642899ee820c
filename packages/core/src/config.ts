import * as z from "zod";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

const int = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", ""])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

/** Every setting rushes reads, in one zod schema over the environment. */
export const ConfigSchema = z.object({
  /** S3's own object limit is 5 TiB, so nothing above it could ever be stored. */
  RUSHES_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(5 * TiB)
    .default(5 * TiB),
  /** Declared sizes above this upload in parts (also anything above 5 GiB, POST's own cap). */
  RUSHES_MULTIPART_THRESHOLD_BYTES: int(100 * MiB),
  /** The smallest part the server hands out; S3 refuses parts under 5 MiB (but the last). */
  RUSHES_MULTIPART_PART_BYTES: z.coerce
    .number()
    .int()
    .min(5 * MiB)
    .max(5 * GiB)
    .default(8 * MiB),
  RUSHES_UPLOAD_EXPIRES_SECONDS: int(3600),
  /**
   * An upload S3 accepted just before the presign expired may still be arriving: a video waits
   * this long past the expiry before it reads `expired`.
   */
  RUSHES_UPLOAD_GRACE_SECONDS: z.coerce.number().int().nonnegative().default(900),
  RUSHES_DOWNLOAD_EXPIRES_SECONDS: int(900),
  /** How long a playback link (its token and every media URL it signs) works: 6 h. */
  RUSHES_PLAYBACK_EXPIRES_SECONDS: int(6 * 3600),
  /** 6 h in both modes: long sources are split into chunks that transcode in parallel. */
  RUSHES_MAX_DURATION_SECONDS: int(6 * 3600),
  /**
   * Sources longer than twice this are split into chunks of about this long (rounded to whole
   * HLS segments), one SQS message and one chunk worker each.
   */
  RUSHES_CHUNK_SECONDS: int(60),
  /**
   * Sources at least this large are probed through a presigned URL rather than downloaded, and,
   * when long MP4/MOV, read by ranges by their chunk workers; smaller ones come down whole.
   */
  RUSHES_RANGED_READ_BYTES: int(256 * 1024 ** 2),
  /** The chunk queue's maxReceiveCount: a chunk's last attempt fails the video (`chunk_failed`). */
  RUSHES_CHUNK_MAX_RECEIVES: int(3),
  /**
   * A chunk whose worker threw comes back after about this long, twice as long after its second
   * failure, and so on (capped); only a killed worker waits out the queue's visibility timeout.
   */
  RUSHES_CHUNK_RETRY_SECONDS: int(20),
  /**
   * The fetch queue's maxReceiveCount (URL ingest): a fetch that broke for a reason of its own
   * (not a fetch_* failure) on its last receive ends `failed` with `fetch_failed`.
   */
  RUSHES_FETCH_MAX_RECEIVES: int(3),
  RUSHES_THUMBNAIL_WIDTHS: z
    .string()
    .default("300,640,1500,3000")
    .transform((v) => v.split(",").map((w) => Number(w.trim())))
    .pipe(z.array(z.number().int().positive()).min(1)),
  RUSHES_TRANSCODER: z.enum(["ffmpeg", "mediaconvert"]).default("ffmpeg"),
  /** How long a `processing` lease holds before a redelivery may take the video over. */
  RUSHES_PROCESSING_TIMEOUT_SECONDS: int(900),
  RUSHES_MAX_ATTEMPTS: int(3),
  /** How often the sweep runs (a cron in AWS, a timer locally): re-drives, expiries, outbox. */
  RUSHES_SWEEP_INTERVAL_SECONDS: int(300),
  /** How long a submitted MediaConvert job may take before the sweep re-drives the video. */
  RUSHES_MEDIACONVERT_TIMEOUT_SECONDS: int(4 * 3600),
  /** Loudness normalisation (EBU R128) for every upload that does not say `normalizeAudio`. */
  RUSHES_NORMALIZE_AUDIO: bool(false),
  /** The integrated loudness normalised audio ends at; the true peak stays under −1 dBTP. */
  RUSHES_LOUDNESS_TARGET_LUFS: z.coerce.number().min(-59).max(-5).default(-16),
  /** Hard wall-clock limit on any single ffmpeg/ffprobe run. */
  RUSHES_FFMPEG_TIMEOUT_SECONDS: int(840),
  /** Largest frame (width × height) any decoder may produce: 8192², the probe's old side cap. */
  RUSHES_MAX_FRAME_PIXELS: int(8192 * 8192),
  RUSHES_MEDIACONVERT_ROLE_ARN: z.string().optional(),
  RUSHES_MEDIACONVERT_ENDPOINT: z.string().url().optional(),
  RUSHES_MEDIACONVERT_QUEUE_ARN: z.string().optional(),
  /** Automatic captions' engine: whisper.cpp here, Amazon Transcribe on AWS (infra sets it). */
  RUSHES_CAPTIONER: z.enum(["whisper", "transcribe"]).default("whisper"),
  /** A whisper.cpp ggml model file; without one, local automatic captions answer 422. */
  RUSHES_WHISPER_MODEL: z.string().min(1).optional(),
  /** The longest video whisper captions (it runs on this machine's CPU): 1 h. */
  RUSHES_WHISPER_MAX_SECONDS: int(3600),
  RUSHES_CLIP_OUT_OF_RANGE_SECONDS: int(3 * 24 * 3600),
  RUSHES_CLIP_RETRY_DELAY_SECONDS: int(60),
  RUSHES_CLIP_RETRY_LIMIT_SECONDS: int(15 * 60),
  RUSHES_CLIP_MAX_SECONDS: int(600),
  /** Delay before each webhook attempt, the first included: the Standard Webhooks schedule. */
  RUSHES_WEBHOOK_RETRY_SCHEDULE_SECONDS: z
    .string()
    .default("0,5,300,1800,7200,18000,36000,36000")
    .transform((v) => v.split(",").map((s) => Number(s.trim())))
    .pipe(
      z
        .array(
          z
            .number()
            .int()
            .nonnegative()
            .max(7 * 24 * 3600),
        )
        .min(1)
        .max(50),
    ),
  RUSHES_WEBHOOK_TIMEOUT_SECONDS: int(10),
  /**
   * The local runtime sets this: webhook URLs may then be http://localhost and http://127.0.0.1,
   * and deliveries may go to private and loopback addresses.
   */
  RUSHES_WEBHOOK_ALLOW_LOCAL: bool(false),
  /**
   * The local runtime sets this: a URL ingest may then fetch from loopback and private
   * addresses (tests and demos). Deployed, never.
   */
  RUSHES_FETCH_ALLOW_LOCAL: bool(false),
  /** A URL fetch fails (`fetch_timeout`) after this long with no byte from the server. */
  RUSHES_FETCH_STALL_SECONDS: int(60),
  /** A URL fetch fails (`fetch_timeout`) when a connection takes longer than this. */
  RUSHES_FETCH_CONNECT_SECONDS: int(10),
  /**
   * Ports a webhook URL may name besides 443 (and 80 where http is allowed), comma-separated;
   * any other port is refused, so the deliveries log cannot probe ports.
   */
  RUSHES_WEBHOOK_PORTS: z
    .string()
    .default("")
    .transform((v) => (v.trim() ? v.split(",").map((s) => Number(s.trim())) : []))
    .pipe(z.array(z.number().int().min(1).max(65535)).max(50)),
  /**
   * Large copies (a long source moved out of the upload's reach) go as parallel UploadPartCopy
   * requests, each conditional on the validated ETag (the local stand-in answers them as S3 does).
   */
  RUSHES_S3_PART_COPY: bool(true),
  /** The size of those parts; a copy over one part goes in parts. S3 takes 5 MiB to 5 GiB. */
  RUSHES_S3_COPY_PART_BYTES: z.coerce
    .number()
    .int()
    .min(5 * 1024 ** 2)
    .max(5 * 1024 ** 3)
    .default(512 * 1024 ** 2),
  /** Path-style S3 URLs, needed by local stand-ins (s3rver) that have no wildcard DNS. */
  RUSHES_S3_FORCE_PATH_STYLE: bool(false),
  /** Per-owner quotas (issue 20); the admin key overrides each per owner. Videos processing at once: */
  RUSHES_QUOTA_CONCURRENT_PROCESSING: int(5),
  /** Source minutes accepted (counted at the probe) in any 24 hours. */
  RUSHES_QUOTA_DAILY_SOURCE_MINUTES: int(600),
  /** Bytes stored, sources plus outputs. */
  RUSHES_QUOTA_STORAGE_BYTES: int(TiB),
  /** Clip requests per UTC clock hour. */
  RUSHES_QUOTA_HOURLY_CLIPS: int(600),
  /**
   * The memory a processing step's cost is counted at (GB-seconds) where Lambda does not say
   * (AWS_LAMBDA_FUNCTION_MEMORY_SIZE): locally, and in the bench.
   */
  RUSHES_LOCAL_MEMORY_MB: int(2048),
  RUSHES_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info"),
  RUSHES_LOG_FORMAT: z.enum(["json", "pretty"]).default("json"),
  RUSHES_TMP_DIR: z.string().optional(),
  /**
   * Where each function's AWS requests are written (aws-record/), for the IAM check; unset, none
   * are. A test setting: the tests set it, and a deployed function never has it.
   */
  RUSHES_AWS_RECORD_DIR: z.string().min(1).optional(),
  /** Explicit ffmpeg/ffprobe binaries; otherwise the system PATH, then the npm-shipped ones. */
  FFMPEG_PATH: z.string().min(1).optional(),
  FFPROBE_PATH: z.string().min(1).optional(),
});

export type Config = z.infer<typeof ConfigSchema>;

let cached: Config | undefined;

export namespace Config {
  /** Parsed once per process; `reset()` exists for tests and the local runtime. */
  export function get(): Config {
    cached ??= ConfigSchema.parse(process.env);
    return cached;
  }

  export function reset() {
    cached = undefined;
  }
}
