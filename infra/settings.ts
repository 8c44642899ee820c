// Deploy-time settings: which RUSHES_* variables of the deploying shell (or `.env.<stage>`, which
// SST loads) reach which function, validated before anything deploys.
import { ConfigSchema } from "../packages/core/src/config";

export type FunctionName =
  | "api"
  | "ingest"
  | "clipWorker"
  | "chunkWorker"
  | "mediaConvertComplete"
  | "sweep"
  | "webhookDispatcher"
  | "webhookSender"
  | "fetch"
  | "captionWorker"
  | "transcribeComplete";

export const everyFunction: FunctionName[] = [
  "api",
  "ingest",
  "clipWorker",
  "chunkWorker",
  "mediaConvertComplete",
  "sweep",
  "webhookDispatcher",
  "webhookSender",
  "fetch",
  "captionWorker",
  "transcribeComplete",
];
/** Functions that sign GET URLs: the API's replies and the events the workers publish. */
const signers: FunctionName[] = [
  "api",
  "ingest",
  "clipWorker",
  "chunkWorker",
  "mediaConvertComplete",
  "sweep",
];

/**
 * The one list of settings a deploy passes on, and the functions that read each. A setting not
 * here is either local-only (docs/settings.md says which) or follows from the infra
 * itself: timeouts and attempts from each function's timeout, the MediaConvert role from the
 * role this stage creates, ffmpeg's paths from how it is installed.
 */
export const settings = {
  RUSHES_MAX_UPLOAD_BYTES: ["api", "ingest"],
  RUSHES_UPLOAD_EXPIRES_SECONDS: ["api"],
  RUSHES_MULTIPART_THRESHOLD_BYTES: ["api"],
  RUSHES_MULTIPART_PART_BYTES: ["api", "fetch"],
  RUSHES_PLAYBACK_EXPIRES_SECONDS: ["api"],
  RUSHES_UPLOAD_GRACE_SECONDS: ["api", "ingest", "sweep"],
  RUSHES_DOWNLOAD_EXPIRES_SECONDS: signers,
  RUSHES_MAX_DURATION_SECONDS: ["ingest", "clipWorker", "chunkWorker"],
  RUSHES_CHUNK_SECONDS: ["ingest", "chunkWorker"],
  RUSHES_RANGED_READ_BYTES: ["ingest"],
  // Measured once at ingest; chunk workers read the gain from the video's record.
  RUSHES_NORMALIZE_AUDIO: ["ingest"],
  RUSHES_LOUDNESS_TARGET_LUFS: ["ingest"],
  RUSHES_THUMBNAIL_WIDTHS: ["ingest", "clipWorker", "chunkWorker", "mediaConvertComplete"],
  RUSHES_MAX_FRAME_PIXELS: ["ingest", "clipWorker", "chunkWorker"],
  RUSHES_TRANSCODER: ["ingest", "mediaConvertComplete"],
  RUSHES_MEDIACONVERT_TIMEOUT_SECONDS: ["ingest", "mediaConvertComplete", "sweep"],
  RUSHES_MEDIACONVERT_ENDPOINT: ["ingest", "mediaConvertComplete"],
  RUSHES_MEDIACONVERT_QUEUE_ARN: ["ingest"],
  RUSHES_CLIP_OUT_OF_RANGE_SECONDS: ["api", "clipWorker"],
  RUSHES_CLIP_RETRY_DELAY_SECONDS: ["clipWorker"],
  RUSHES_CLIP_RETRY_LIMIT_SECONDS: ["clipWorker"],
  RUSHES_CLIP_MAX_SECONDS: ["api", "clipWorker"],
  RUSHES_WEBHOOK_RETRY_SCHEDULE_SECONDS: ["webhookDispatcher", "webhookSender"],
  RUSHES_WEBHOOK_TIMEOUT_SECONDS: ["webhookSender"],
  // Quotas: the slots are read wherever a slot is taken, released or handed off.
  RUSHES_QUOTA_CONCURRENT_PROCESSING: [
    "api",
    "ingest",
    "chunkWorker",
    "mediaConvertComplete",
    "sweep",
  ],
  RUSHES_QUOTA_DAILY_SOURCE_MINUTES: ["api", "ingest"],
  RUSHES_QUOTA_STORAGE_BYTES: ["api"],
  RUSHES_QUOTA_HOURLY_CLIPS: ["api"],
  RUSHES_WEBHOOK_PORTS: ["api", "webhookSender"],
  RUSHES_FETCH_STALL_SECONDS: ["fetch"],
  RUSHES_FETCH_CONNECT_SECONDS: ["fetch"],
  RUSHES_LOG_LEVEL: everyFunction,
  RUSHES_LOG_FORMAT: everyFunction,
} as const satisfies Partial<Record<keyof typeof ConfigSchema.shape, readonly FunctionName[]>>;

export type Setting = keyof typeof settings;

/**
 * Settings the infra reads itself.
 * - Lambda memory: new AWS accounts may be held to less than Lambda's 10,240 MB until a quota
 *   increase (docs/deploy.md).
 * - The most chunk and clip workers that run at once: an SQS event source mapping's maximum
 *   concurrency, which Lambda takes from 2 to 1,000. Without it, a 6 h source fans out to 360
 *   10 GB functions at once and can starve the API of the account's concurrency.
 */
export const infraSettings = {
  RUSHES_INGEST_MEMORY_MB: { fallback: 10240, min: 128, max: 10240 },
  RUSHES_CLIP_WORKER_MEMORY_MB: { fallback: 10240, min: 128, max: 10240 },
  RUSHES_CHUNK_WORKER_MEMORY_MB: { fallback: 10240, min: 128, max: 10240 },
  RUSHES_CHUNK_MAX_CONCURRENCY: { fallback: 100, min: 2, max: 1000 },
  RUSHES_CLIP_MAX_CONCURRENCY: { fallback: 20, min: 2, max: 1000 },
  /** URL ingest: fetches running at once. */
  RUSHES_FETCH_MAX_CONCURRENCY: { fallback: 20, min: 2, max: 1000 },
  /** Caption workers at once: each only starts a Transcribe job (250 may run per account). */
  RUSHES_CAPTION_MAX_CONCURRENCY: { fallback: 10, min: 2, max: 1000 },
} as const;

type InfraSetting = keyof typeof infraSettings;
type MemorySetting = Extract<InfraSetting, `${string}_MEMORY_MB`>;

const present = (name: string) => {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
};

/** Throws, and so stops the deploy, on a value the functions would refuse at their first call. */
function check(name: Setting, value: string) {
  const parsed = ConfigSchema.shape[name].safeParse(value);
  if (!parsed.success) {
    throw new Error(`${name}=${value} is not valid: ${parsed.error.issues[0]?.message}`);
  }
}

/**
 * The environment of one function: `defaults` (what the infra itself chose), then every listed
 * setting set when deploying. A numeric default named in `ceilings` is an upper bound the
 * infra was sized for (/tmp, the timeout), so a setting may lower it but not raise it.
 */
export function environment<V = string>(
  fn: FunctionName,
  defaults: Record<string, V | string> = {},
  ceilings: Setting[] = [],
): Record<string, V | string> {
  const out: Record<string, V | string> = { ...defaults };
  for (const [name, readers] of Object.entries(settings) as [Setting, readonly FunctionName[]][]) {
    const value = present(name);
    if (value === undefined || !readers.includes(fn)) continue;
    check(name, value);
    const ceiling = defaults[name];
    if (ceilings.includes(name) && typeof ceiling === "string" && Number(value) > Number(ceiling)) {
      throw new Error(`${name}=${value} is above ${ceiling}, the most this stage is sized for`);
    }
    out[name] = value;
  }
  return out;
}

/** An infra setting's whole number, within its bounds. */
export function setting(name: InfraSetting): number {
  const { fallback, min, max } = infraSettings[name];
  const value = present(name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(`${name}=${value} must be a whole number from ${min} to ${max}`);
  }
  return number;
}

/** Lambda memory for `name`, as SST takes it: "10240 MB". */
export function memory(name: MemorySetting): `${number} MB` {
  return `${setting(name)} MB`;
}

/** Every setting set when deploying is checked, even one no function of this stage reads. */
export function validateAll() {
  for (const name of Object.keys(settings) as Setting[]) {
    const value = present(name);
    if (value !== undefined) check(name, value);
  }
  for (const name of Object.keys(infraSettings) as InfraSetting[]) setting(name);
}
