/** The one API caller of the suite, over HTTP (a running runtime) or in process (`app.request`). */

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
