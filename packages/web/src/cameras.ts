import { api } from "./api";
import { signal } from "./signal";

/** The owner's cameras, from the API, shared by every picker and the Cameras page. */
export interface KnownCamera {
  id: string;
  alias: string;
}

export const knownCameras = signal<KnownCamera[]>([]);
export const camerasError = signal<string | undefined>(undefined);

let loading: Promise<void> | undefined;

/** Every page of GET /v1/cameras, once per page load unless `fresh`. */
export function loadCameras({ fresh = false } = {}): Promise<void> {
  if (loading && !fresh) return loading;
  loading = (async () => {
    const all: KnownCamera[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.cameras({ cursor, limit: 100 });
      all.push(...page.data.map((c) => ({ id: c.id, alias: c.alias })));
      cursor = page.cursor ?? undefined;
    } while (cursor);
    knownCameras.value = all;
    camerasError.value = undefined;
  })().catch((error: Error) => {
    loading = undefined;
    camerasError.value = error.message;
  });
  return loading;
}

/** A camera just created joins the list without another round trip. */
export function rememberCamera(camera: KnownCamera) {
  knownCameras.value = [...knownCameras.value.filter((c) => c.id !== camera.id), camera].sort(
    (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

export const cameraLabel = (id: string) => {
  const known = knownCameras.value.find((c) => c.id === id);
  return known ? `${known.alias} (${id})` : id;
};

/** A clip window picked on a camera's timeline, for the clip form to take up. */
export const clipDraft = signal<{ cameraId: string; start: number; end: number } | undefined>(
  undefined,
);
