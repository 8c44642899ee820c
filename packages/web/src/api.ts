import type { Routes } from "@rushes/functions/api";
import { hc } from "hono/client";
import { apiKey, apiUrl } from "./config";
import { signal } from "./signal";

/** The typed client over the API's own route types; only the types cross into the bundle. */
const client = hc<Routes>(apiUrl, {
  headers: (): Record<string, string> =>
    apiKey.value ? { authorization: `Bearer ${apiKey.value}` } : {},
});

export const v1 = client.v1;

/** An error the API explained: `message` is its `error.message`, shown as is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Set when the API refuses the key, so the shell can ask for another. */
export const unauthorized = signal<string | undefined>(undefined);

async function toError(res: Response): Promise<ApiError> {
  let body: { error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const message =
    typeof body?.error?.message === "string"
      ? body.error.message
      : `The API answered ${res.status} ${res.statusText}`.trim();
  const code = typeof body?.error?.code === "string" ? body.error.code : `http_${res.status}`;
  if (res.status === 401) unauthorized.value = message;
  return new ApiError(res.status, code, message);
}

interface JsonResponse<T> {
  ok: boolean;
  status: number;
  json(): Promise<T>;
}

/** Awaits a client call and returns its JSON, or throws an ApiError with the API's message. */
export async function call<T>(request: Promise<JsonResponse<T>>): Promise<T> {
  let res: JsonResponse<T>;
  try {
    res = await request;
  } catch (error) {
    throw new ApiError(0, "network", `Could not reach the API: ${(error as Error).message}`);
  }
  if (!res.ok) throw await toError(res as unknown as Response);
  if (res.status === 204) return undefined as T;
  return res.json();
}

export const messageOf = (error: unknown): string =>
  error instanceof Error
    ? error.message
    : typeof error === "string"
      ? error
      : "Something went wrong";

export type Video = Awaited<ReturnType<typeof api.video>>;
export type CaptionTrack = Awaited<ReturnType<typeof api.captions>>["data"][number];
export type VideoEvent = Awaited<ReturnType<typeof api.events>>["data"][number];
export type Clip = Awaited<ReturnType<typeof api.clip>>;
export type Camera = Awaited<ReturnType<typeof api.camera>>;
export type Recordings = Awaited<ReturnType<typeof api.recordings>>;
export type VideoStatus = Video["status"];
export type ClipStatus = Clip["status"];

export interface VideoFilter {
  status?: VideoStatus | undefined;
  project?: string | undefined;
}

/** A retried submit of the same form sends the same key, so it never creates twice. */
const idempotent = (key: string | undefined) =>
  key ? { headers: { "idempotency-key": key } } : undefined;

export const api = {
  videos: (filter: VideoFilter & { cursor?: string | undefined; limit?: number }) =>
    call(
      v1.videos.$get({
        query: {
          limit: String(filter.limit ?? 12),
          cursor: filter.cursor || undefined,
          status: filter.status || undefined,
          project: filter.project || undefined,
        },
      }),
    ),
  video: (id: string) => call(v1.videos[":id"].$get({ param: { id } })),
  events: (id: string) => call(v1.videos[":id"].events.$get({ param: { id } })),
  deleteVideo: (id: string) => call(v1.videos[":id"].$delete({ param: { id } })),
  signParts: (id: string, partNumbers: number[]) =>
    call(v1.uploads[":id"].parts.$post({ param: { id }, json: { partNumbers } })),
  listParts: (id: string) => call(v1.uploads[":id"].parts.$get({ param: { id } })),
  completeUpload: (id: string, parts: { partNumber: number; etag: string }[]) =>
    call(v1.uploads[":id"].complete.$post({ param: { id }, json: { parts } })),
  createUpload: (input: Parameters<typeof v1.uploads.$post>[0]["json"]) =>
    call(v1.uploads.$post({ json: input })),
  createCamera: (input: { alias: string; cameraId?: string }, idempotencyKey?: string) =>
    call(v1.cameras.$post({ json: input }, idempotent(idempotencyKey))),
  cameras: (query: { cursor?: string | undefined; limit?: number }) =>
    call(
      v1.cameras.$get({
        query: { limit: String(query.limit ?? 100), cursor: query.cursor || undefined },
      }),
    ),
  recordings: (
    cameraId: string,
    query: { start: number; end: number; cursor?: string | undefined },
  ) =>
    call(
      v1.cameras[":id"].recordings.$get({
        param: { id: cameraId },
        query: {
          start: String(query.start),
          end: String(query.end),
          limit: "100",
          cursor: query.cursor || undefined,
        },
      }),
    ),
  camera: (id: string) => call(v1.cameras[":id"].$get({ param: { id } })),
  captions: (id: string) => call(v1.videos[":id"].captions.$get({ param: { id } })),
  /** The file goes as it is, typed by its extension: the API takes WebVTT or SRT. */
  putCaptions: (id: string, language: string, file: Blob & { name?: string }, name?: string) => {
    const url = v1.videos[":id"].captions[":language"].$url({
      param: { id, language },
      query: { name: name || undefined },
    });
    const type = /\.srt$/i.test(file.name ?? "") ? "application/x-subrip" : "text/vtt";
    return call<CaptionTrack>(
      fetch(url, {
        method: "PUT",
        body: file,
        headers: {
          "content-type": type,
          ...(apiKey.value ? { authorization: `Bearer ${apiKey.value}` } : {}),
        },
      }),
    );
  },
  deleteCaptions: (id: string, language: string) =>
    call(v1.videos[":id"].captions[":language"].$delete({ param: { id, language } })),
  clips: (query: { cameraId?: string | undefined; cursor?: string | undefined; limit?: number }) =>
    call(
      v1.clips.$get({
        query: {
          limit: String(query.limit ?? 10),
          cursor: query.cursor || undefined,
          cameraId: query.cameraId || undefined,
        },
      }),
    ),
  clip: (id: string) => call(v1.clips[":id"].$get({ param: { id } })),
  createClip: (
    input: { cameraId: string; start: string; end: string; accuracy: "exact" | "fast" },
    idempotencyKey?: string,
  ) => call(v1.clips.$post({ json: input }, idempotent(idempotencyKey))),
};
