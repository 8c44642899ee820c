import { signal } from "./signal";

/** There is no camera listing endpoint, so the browser remembers the cameras it has seen. */
export interface KnownCamera {
  id: string;
  alias: string;
}

const storageKey = "rushes.cameras";

function load(): KnownCamera[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(storageKey) ?? "[]");
    return Array.isArray(parsed)
      ? parsed.filter(
          (c): c is KnownCamera => typeof c?.id === "string" && typeof c?.alias === "string",
        )
      : [];
  } catch {
    return [];
  }
}

export const knownCameras = signal<KnownCamera[]>(load());

export function rememberCamera(camera: KnownCamera) {
  const next = [camera, ...knownCameras.value.filter((c) => c.id !== camera.id)];
  localStorage.setItem(storageKey, JSON.stringify(next));
  knownCameras.value = next;
}

export function forgetCamera(id: string) {
  const next = knownCameras.value.filter((c) => c.id !== id);
  localStorage.setItem(storageKey, JSON.stringify(next));
  knownCameras.value = next;
}

export const cameraLabel = (id: string) => {
  const known = knownCameras.value.find((c) => c.id === id);
  return known ? `${known.alias} (${id})` : id;
};
