/** The one API caller of the suite, over HTTP (a running runtime) or in process (`app.request`). */
import { waitUntil } from "./wait";

export interface Reply {
  status: number;
  /** The parsed JSON body, or undefined for an empty or non-JSON one. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes.
  body: any;
  text: string;
  headers: Headers;
}

export interface CallInit {
  /** Sent as the body verbatim (with a JSON content type), instead of `JSON.stringify(body)`. */
  raw?: string;
  headers?: Record<string, string>;
}

export type Api = (
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  init?: CallInit,
) => Promise<Reply>;

type InProcess = { request: (path: string, init?: RequestInit) => Response | Promise<Response> };

/** `target` is a base URL (`http://127.0.0.1:3000`) or a Hono app. */
export function apiClient(target: string | InProcess | (() => string | InProcess)): Api {
  return async (key, method, path, body, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    const payload = init.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined) headers["content-type"] ??= "application/json";
    const request = { method, headers, ...(payload === undefined ? {} : { body: payload }) };
    const resolved = typeof target === "function" ? target() : target;
    const res =
      typeof resolved === "string"
        ? await fetch(`${resolved}${path}`, request)
        : await resolved.request(path, request);
    const text = await res.text();
    let parsed: unknown;
    if (text && (res.headers.get("content-type") ?? "").includes("json")) parsed = JSON.parse(text);
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
}

/**
 * Walks a listing through its cursors: GETs `path`, then `path&cursor=…` until the cursor is null.
 * Fails on any non-200 page, on a page longer than `?limit`, or after `maxPages`.
 */
export async function walkPages<T = { id: string }>(
  api: Api,
  key: string,
  path: string,
  { maxPages = 100 }: { maxPages?: number } = {},
): Promise<{ items: T[]; ids: string[]; pages: T[][] }> {
  const limit = Number(new URL(path, "http://x").searchParams.get("limit") ?? Number.NaN);
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const url: string = cursor
      ? `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}`
      : path;
    const res = await api(key, "GET", url);
    if (res.status !== 200) {
      throw new Error(`page ${pages.length + 1} of ${path} answered ${res.status}: ${res.text}`);
    }
    const data = res.body.data as T[];
    if (Number.isFinite(limit) && data.length > limit) {
      throw new Error(`page ${pages.length + 1} of ${path} has ${data.length} > ${limit} items`);
    }
    pages.push(data);
    cursor = res.body.cursor;
    if (pages.length > maxPages) throw new Error(`${path} did not end within ${maxPages} pages`);
  } while (cursor);
  const items = pages.flat();
  return { items, ids: items.map((item) => (item as { id: string }).id), pages };
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

/** Presigns an upload of `bytes` with `fields` (filename, title, camera…) and POSTs it: the id. */
export async function uploadBytes(
  api: Api,
  key: string,
  bytes: Uint8Array,
  fields: { filename: string } & Record<string, unknown>,
): Promise<string> {
  const created = await api(key, "POST", "/v1/uploads", {
    contentType: "video/mp4",
    bytes: bytes.length,
    ...fields,
  });
  if (created.status !== 201) throw new Error(`presign: ${created.status} ${created.text}`);
  const posted = await postToPresigned(created.body.upload, bytes);
  if (posted.status >= 300) throw new Error(`upload: ${posted.status} ${await posted.text()}`);
  return created.body.video.id;
}

/** Polls a video until it has settled, and fails unless it settled `ready`: the video. */
export async function waitReady(api: Api, key: string, id: string, timeoutMs = 180_000) {
  const video = await waitUntil(
    `video ${id} to settle`,
    async () => {
      const { body } = await api(key, "GET", `/v1/videos/${id}`);
      return ["awaiting_upload", "processing"].includes(body?.status) ? undefined : body;
    },
    { timeoutMs, intervalMs: 200 },
  );
  if (video.status !== "ready") throw new Error(`video ${id} ended ${JSON.stringify(video)}`);
  return video;
}
