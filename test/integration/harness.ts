import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runtime, RuntimeOptions } from "@rushes/local/runtime";

/**
 * Calls `probe` every `intervalMs` until it returns a value other than undefined; throws
 * `describe(last)` after `timeoutMs`. The one polling loop every integration test uses.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  describe: () => string,
  timeoutMs = 60_000,
  intervalMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(describe());
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** POSTs the presigned fields, then the file last, as multipart/form-data, like a browser. */
export async function postToPresigned(
  upload: { url: string; fields: Record<string, string> },
  bytes: Uint8Array,
  init: { contentType?: string; postedContentType?: string } = {},
) {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) {
    form.append(name, name === "Content-Type" ? (init.postedContentType ?? value) : value);
  }
  form.append(
    "file",
    new Blob([new Uint8Array(bytes)], { type: init.contentType ?? "video/mp4" }),
    "upload",
  );
  return fetch(upload.url, { method: "POST", body: form });
}

/** An in-process runtime on free ports and a temp data dir, plus small API helpers. */
export async function startHarness(options: Partial<RuntimeOptions> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), "rushes-it-"));
  const { startRuntime } = await import("@rushes/local/runtime");
  const runtime: Runtime = await startRuntime({ dataDir, port: 0, quiet: true, ...options });
  const api = async (key: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const newKey = async (owner: string): Promise<string> =>
    (await api(runtime.devKey, "POST", "/v1/keys", { owner })).body.key;

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
    let last: Awaited<ReturnType<typeof api>>["body"];
    return waitUntil(
      async () => {
        last = (await api(key, "GET", `/v1/videos/${id}`)).body;
        return last?.status && statuses.includes(last.status) ? last : undefined;
      },
      () => `video ${id} stuck in ${last?.status}`,
      timeoutMs,
    );
  };

  const stop = async () => {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  return { runtime, dataDir, api, newKey, upload, waitForStatus, stop };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
