import type { Video } from "./api";
import { signal } from "./signal";

/** An upload this tab started: the video it created and how far its bytes have got. */
export interface ActiveUpload {
  video: Video;
  /** 0–100 */
  progress: number;
  state: "uploading" | "uploaded" | "error";
  error?: string;
  /** Shown on its card while it uploads, e.g. how much a resumed upload had already sent. */
  note?: string;
}

/** Keyed by video id, newest first; the library shows these before the server lists them. */
export const activeUploads = signal<ReadonlyMap<string, ActiveUpload>>(new Map());

export function updateUpload(videoId: string, patch: Partial<ActiveUpload> & { video?: Video }) {
  const current = activeUploads.value.get(videoId);
  if (!current && !patch.video) return;
  const entry = { progress: 0, state: "uploading", ...current, ...patch } as ActiveUpload;
  // Map.set keeps an existing key's position, so only new uploads move to the front.
  const next = current
    ? new Map(activeUploads.value).set(videoId, entry)
    : new Map([[videoId, entry], ...activeUploads.value]);
  activeUploads.value = next;
}

export function dropUpload(videoId: string) {
  if (!activeUploads.value.has(videoId)) return;
  const next = new Map(activeUploads.value);
  next.delete(videoId);
  activeUploads.value = next;
}

/** Defaults applied to files as they are added; each file can still be edited before upload. */
export interface UploadDefaults {
  title: string;
  project: string;
  cameraId: string;
  /** datetime-local value, local time */
  recordedAt: string;
}

export const uploadDefaults = signal<UploadDefaults>({
  title: "",
  project: "",
  cameraId: "",
  recordedAt: "",
});
