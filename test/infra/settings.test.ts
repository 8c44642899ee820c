// Deploy-time settings: RUSHES_* from the deploying environment reach exactly the functions that
// read them, through the one list in infra/settings.ts, and bad values stop the deploy.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { infraSettings, settings } from "../../infra/settings";
import { ConfigSchema } from "../../packages/core/src/config";
import { deployStack, envOf, lambdaOf, mappingOf, resource, root } from "./stack";

const functions = {
  api: "Api",
  ingest: "Ingest",
  clipWorker: "ClipWorker",
  chunkWorker: "ChunkWorker",
  mediaConvertComplete: "MediaConvertComplete",
  sweep: "Sweep",
  webhookDispatcher: "WebhookDispatcher",
  webhookSender: "WebhookSender",
  fetch: "Fetch",
  captionWorker: "CaptionWorker",
  transcribeComplete: "TranscribeComplete",
} as const;

/** Every deploy setting unset, whatever the shell running the tests has (test/setup.ts sets some). */
const blank = Object.fromEntries(
  [...Object.keys(settings), ...Object.keys(infraSettings)].map((name) => [name, ""]),
);

const deploy = deployStack;
const environmentOf = async (d: Awaited<ReturnType<typeof deploy>>, name: string) => envOf(d, name);

describe("deploy-time settings", () => {
  test("each setting reaches exactly the functions the list names", async () => {
    const values: Record<string, string> = {
      RUSHES_MAX_UPLOAD_BYTES: "1073741824",
      RUSHES_UPLOAD_EXPIRES_SECONDS: "1800",
      RUSHES_MULTIPART_THRESHOLD_BYTES: "209715200",
      RUSHES_MULTIPART_PART_BYTES: "16777216",
      RUSHES_PLAYBACK_EXPIRES_SECONDS: "3600",
      RUSHES_WEBHOOK_RETRY_SCHEDULE_SECONDS: "0,10,60",
      RUSHES_WEBHOOK_TIMEOUT_SECONDS: "5",
      RUSHES_WEBHOOK_PORTS: "8443,9443",
      RUSHES_UPLOAD_GRACE_SECONDS: "600",
      RUSHES_MAX_FRAME_PIXELS: "33554432",
      RUSHES_MEDIACONVERT_TIMEOUT_SECONDS: "7200",
      RUSHES_DOWNLOAD_EXPIRES_SECONDS: "600",
      // Above the 6 h default: with MediaConvert too, long sources are split into chunks.
      RUSHES_MAX_DURATION_SECONDS: "43200",
      RUSHES_CHUNK_SECONDS: "120",
      RUSHES_RANGED_READ_BYTES: "1073741824",
      RUSHES_NORMALIZE_AUDIO: "true",
      RUSHES_LOUDNESS_TARGET_LUFS: "-23",
      RUSHES_THUMBNAIL_WIDTHS: "320,640",
      RUSHES_TRANSCODER: "mediaconvert",
      RUSHES_MEDIACONVERT_ENDPOINT: "https://abcd1234.mediaconvert.us-east-1.amazonaws.com",
      RUSHES_MEDIACONVERT_QUEUE_ARN: "arn:aws:mediaconvert:us-east-1:123456789012:queues/Fast",
      RUSHES_CLIP_OUT_OF_RANGE_SECONDS: "86400",
      RUSHES_CLIP_RETRY_DELAY_SECONDS: "30",
      RUSHES_CLIP_RETRY_LIMIT_SECONDS: "600",
      RUSHES_CLIP_MAX_SECONDS: "300",
      RUSHES_QUOTA_CONCURRENT_PROCESSING: "3",
      RUSHES_QUOTA_DAILY_SOURCE_MINUTES: "120",
      RUSHES_QUOTA_STORAGE_BYTES: "1073741824",
      RUSHES_QUOTA_HOURLY_CLIPS: "60",
      RUSHES_FETCH_STALL_SECONDS: "30",
      RUSHES_FETCH_CONNECT_SECONDS: "5",
      RUSHES_LOG_LEVEL: "debug",
      RUSHES_LOG_FORMAT: "json",
    };
    expect(Object.keys(values).sort()).toEqual(Object.keys(settings).sort());
    const d = await deploy({ env: { ...blank, ...values } });
    for (const [fn, name] of Object.entries(functions)) {
      const env = await environmentOf(d, name);
      for (const [setting, readers] of Object.entries(settings)) {
        if ((readers as readonly string[]).includes(fn)) {
          expect(env[setting], `${setting} → ${name}`).toBe(values[setting]);
        } else {
          expect(env[setting], `${setting} ↛ ${name}`).toBeUndefined();
        }
      }
    }
  });

  test("without settings, functions get only what the infra chose", async () => {
    const d = await deploy({ env: blank });
    const api = await environmentOf(d, "Api");
    expect(
      Object.fromEntries(Object.entries(api).filter(([k]) => k.startsWith("RUSHES_"))),
    ).toEqual({ RUSHES_MAX_UPLOAD_BYTES: String(5 * 1024 ** 4) });
    const worker = await environmentOf(d, "ClipWorker");
    expect(Object.keys(worker).filter((k) => k in settings)).toEqual([]);
    for (const name of ["Ingest", "ClipWorker", "ChunkWorker"]) {
      expect(lambdaOf(d, name).memorySize, name).toBe(10240);
    }
    expect(mappingOf(d, "ChunkQueue").scalingConfig).toEqual({ maximumConcurrency: 100 });
    expect(mappingOf(d, "ClipQueue").scalingConfig).toEqual({ maximumConcurrency: 20 });
  });

  test("memory, fan-out and the duration cap are settings (lower quotas, shared accounts, long footage)", async () => {
    const d = await deploy({
      env: {
        ...blank,
        RUSHES_INGEST_MEMORY_MB: "3008",
        RUSHES_CLIP_WORKER_MEMORY_MB: "2048",
        RUSHES_CHUNK_WORKER_MEMORY_MB: "4096",
        RUSHES_CHUNK_MAX_CONCURRENCY: "10",
        RUSHES_CLIP_MAX_CONCURRENCY: "5",
        RUSHES_MAX_DURATION_SECONDS: "43200",
      },
    });
    expect(lambdaOf(d, "Ingest").memorySize).toBe(3008);
    expect(lambdaOf(d, "ClipWorker").memorySize).toBe(2048);
    expect(lambdaOf(d, "ChunkWorker").memorySize).toBe(4096);
    expect(mappingOf(d, "ChunkQueue").scalingConfig).toEqual({ maximumConcurrency: 10 });
    expect(mappingOf(d, "ClipQueue").scalingConfig).toEqual({ maximumConcurrency: 5 });
    // The infra's own settings reach no function.
    for (const name of Object.keys(infraSettings)) {
      expect(await environmentOf(d, "Ingest")).not.toHaveProperty(name);
    }
    // The duration cap may be raised in ffmpeg mode too: long sources are split into chunks.
    expect((await environmentOf(d, "Ingest")).RUSHES_MAX_DURATION_SECONDS).toBe("43200");
  });

  test.each([
    [{ RUSHES_LOG_LEVEL: "loud" }, /RUSHES_LOG_LEVEL=loud is not valid/],
    [{ RUSHES_CLIP_MAX_SECONDS: "ten" }, /RUSHES_CLIP_MAX_SECONDS=ten is not valid/],
    [{ RUSHES_THUMBNAIL_WIDTHS: "320,wide" }, /RUSHES_THUMBNAIL_WIDTHS/],
    [{ RUSHES_INGEST_MEMORY_MB: "20000" }, /RUSHES_INGEST_MEMORY_MB=20000 must be/],
    [{ RUSHES_CLIP_WORKER_MEMORY_MB: "1.5" }, /RUSHES_CLIP_WORKER_MEMORY_MB/],
    // Lambda takes an event source mapping's maximum concurrency from 2 to 1,000.
    [{ RUSHES_CHUNK_MAX_CONCURRENCY: "1" }, /RUSHES_CHUNK_MAX_CONCURRENCY=1 must be/],
    [{ RUSHES_CLIP_MAX_CONCURRENCY: "1001" }, /RUSHES_CLIP_MAX_CONCURRENCY=1001 must be/],
    // /tmp and the 15-minute timeout were sized for these: a setting may lower them only.
    // 5 TiB is S3's own object limit, which the settings schema itself caps.
    [{ RUSHES_MAX_UPLOAD_BYTES: String(6 * 1024 ** 4) }, /RUSHES_MAX_UPLOAD_BYTES=6597069766656/],
  ])("refuses to deploy with %o", async (env, message) => {
    await expect(deploy({ env: { ...blank, ...env } })).rejects.toThrow(message);
  });
});

test("the table expires idempotency keys by their own ttl attribute", async () => {
  const { IdempotencyEntity } = await import("../../packages/core/src/idempotency/entity");
  const d = await deploy({ env: blank });
  const ttl = (
    resource(d, "aws:dynamodb/table:Table", "TableTable").inputs.ttl as {
      attributeName: string;
      enabled: boolean;
    }
  ).attributeName;
  expect(ttl).toBe("ttl");
  expect(IdempotencyEntity.schema.attributes).toHaveProperty(ttl);
});

describe("the settings are documented", () => {
  const table = readFileSync(path.join(root, "docs/settings.md"), "utf8");
  const rows = table.split("\n").filter((line) => line.startsWith("| `"));
  const rowOf = (name: string) => rows.find((row) => row.split("|")[1]!.includes(`\`${name}\``));

  test("docs/settings.md says, for every setting, where it can be set", () => {
    const all = [...Object.keys(ConfigSchema.shape), ...Object.keys(infraSettings)];
    for (const name of all) {
      const row = rowOf(name);
      expect(row, `${name} is in the settings table of docs/settings.md`).toBeDefined();
      const where = row!.split("|")[2]!.trim();
      const expected =
        name in settings ? "local, deploy" : name in infraSettings ? "deploy" : "local";
      expect(where, name).toBe(expected);
    }
  });

  test(".env.example names every deploy setting", () => {
    const example = readFileSync(path.join(root, ".env.example"), "utf8");
    for (const name of [...Object.keys(settings), ...Object.keys(infraSettings)]) {
      expect(example, name).toMatch(new RegExp(`^# ${name}=`, "m"));
    }
  });
});
