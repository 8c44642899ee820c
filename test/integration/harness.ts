import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { Runtime, RuntimeOptions } from "@rushes/local/runtime";
import type { SQSEvent } from "aws-lambda";
import { type Api, apiClient, postToPresigned, type Reply } from "../support/api";
import { generateVideo, type VideoOptions } from "../support/media";
import { waitUntil } from "../support/wait";

export { postToPresigned } from "../support/api";
export { waitUntil } from "../support/wait";

/** The statuses a video's processing ends in. */
export const settled = ["ready", "failed", "rejected"];

/** The long source the chunk tests cut: 640x360 with 2 s GOPs, so chunks start on keyframes. */
export const chunkSource = (seconds: number, fps: number) => ({
  width: 640,
  height: 360,
  seconds,
  fps,
  gopSeconds: 2,
});

/** The real chunk worker, imported when called: core must read the runtime's resources first. */
export const chunkWorker = async (event: SQSEvent) =>
  (await import("@rushes/functions/chunk-worker")).handler(event);

/** An in-process runtime on free ports and a temp data dir, plus small API helpers. */
export async function startHarness(options: Partial<RuntimeOptions> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), "rushes-it-"));
  /** Scratch space for a test's own files, removed with the harness. */
  const dir = await mkdtemp(join(tmpdir(), "rushes-it-files-"));
  const { startRuntime } = await import("@rushes/local/runtime");
  const runtime: Runtime = await startRuntime({ dataDir, port: 0, quiet: true, ...options });
  const api: Api = apiClient(runtime.url);
  const newKey = async (owner: string): Promise<string> => {
    const res = await api(runtime.devKey, "POST", "/v1/keys", { owner });
    if (res.status !== 201) throw new Error(`key for ${owner}: ${res.status} ${res.text}`);
    return res.body.key;
  };

  /** Presigns, then POSTs the fields and the file as multipart/form-data, like a browser. */
  const upload = async (
    key: string,
    file: string,
    init: {
      contentType?: string;
      /** Overrides the signed Content-Type field: S3 would refuse it, s3rver does not. */
      postedContentType?: string;
      declaredBytes?: number;
      body?: Buffer;
      extra?: Record<string, unknown>;
    } = {},
  ) => {
    const bytes = init.body ?? (await readFile(file));
    const declared =
      init.declaredBytes ??
      Math.max(1, (await stat(file).catch(() => ({ size: bytes.length }))).size);
    const created = await api(key, "POST", "/v1/uploads", {
      filename: file.split("/").pop(),
      contentType: init.contentType ?? "video/mp4",
      bytes: declared,
      ...init.extra,
    });
    if (created.status !== 201) throw new Error(`presign failed: ${JSON.stringify(created.body)}`);
    const posted = await postToPresigned(created.body.upload, bytes, init);
    if (posted.status >= 300)
      throw new Error(`upload failed: ${posted.status} ${await posted.text()}`);
    return created.body.video.id as string;
  };

  const waitForStatus = async (key: string, id: string, statuses: string[], timeoutMs = 60_000) => {
    let last: Reply["body"];
    return waitUntil(
      () => `video ${id} stuck in ${last?.status}`,
      async () => {
        last = (await api(key, "GET", `/v1/videos/${id}`)).body;
        return last?.status && statuses.includes(last.status) ? last : undefined;
      },
      { timeoutMs },
    );
  };

  type Generated = Omit<VideoOptions, "path">;
  type UploadInit = Parameters<typeof upload>[2];

  /** Generates a test video under `dir` as `name` and uploads it: its id and file. */
  const uploadNew = async (key: string, name: string, video: Generated, init?: UploadInit) => {
    const file = await generateVideo({ path: join(dir, name), ...video });
    return { id: await upload(key, file, init), file };
  };

  /** uploadNew, then the video once it has settled (ready, failed or rejected). */
  const ingest = async (
    key: string,
    name: string,
    video: Generated,
    timeoutMs = 240_000,
    init?: UploadInit,
  ) => {
    const { id, file } = await uploadNew(key, name, video, init);
    return { id, file, video: await waitForStatus(key, id, settled, timeoutMs) };
  };

  let sqs: SQSClient | undefined;
  /**
   * Resolves once the clip queue holds no visible, in-flight or delayed message, and the events
   * that handling them published have been seen: every delivery has been worked to its end.
   */
  const clipQueueDrained = async (timeoutMs = 30_000) => {
    sqs ??= new SQSClient({ endpoint: runtime.endpoints.sqs, useQueueUrlAsEndpoint: false });
    const client = sqs;
    await waitUntil(
      "the clip queue to drain",
      async () => {
        const { Attributes = {} } = await client.send(
          new GetQueueAttributesCommand({
            QueueUrl: runtime.resources.queueUrl,
            AttributeNames: [
              "ApproximateNumberOfMessages",
              "ApproximateNumberOfMessagesNotVisible",
              "ApproximateNumberOfMessagesDelayed",
            ],
          }),
        );
        return Object.values(Attributes).every((n) => n === "0");
      },
      { timeoutMs },
    );
    await runtime.idle();
  };

  let s3: S3Client | undefined;
  /** The bucket's keys under `prefix` (the first 1,000). */
  const objects = async (prefix: string) => {
    s3 ??= new S3Client({ forcePathStyle: true });
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: runtime.resources.bucket, Prefix: prefix }),
    );
    return (page.Contents ?? []).map((o) => o.Key!);
  };

  /**
   * Resolves once the transcode of `id` has stored output under media/: ffmpeg is mid-run, the
   * moment the crash and delete tests act on (rather than a guess at how long it takes).
   */
  const waitForOutput = (id: string, timeoutMs = 60_000) =>
    waitUntil(
      () => `no output stored for ${id}`,
      async () => ((await objects(`media/${id}/`)).length ? true : undefined),
      { timeoutMs, intervalMs: 50 },
    );

  const stop = async () => {
    s3?.destroy();
    sqs?.destroy();
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  };
  return {
    runtime,
    dataDir,
    dir,
    api,
    newKey,
    upload,
    uploadNew,
    ingest,
    waitForStatus,
    clipQueueDrained,
    objects,
    waitForOutput,
    stop,
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
