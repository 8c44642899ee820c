import { signal } from "./signal";

const injected: RushesConfig = (typeof window !== "undefined" && window.RUSHES_CONFIG) || {};
const keyStorage = "rushes.apiKey";

/** Same origin locally (`apiUrl: ""`); the StaticSite's VITE_API_URL when deployed. */
export const apiUrl = (injected.apiUrl || import.meta.env.VITE_API_URL || location.origin).replace(
  /\/+$/,
  "",
);

export const maxUploadBytes =
  injected.maxUploadBytes || Number(import.meta.env.VITE_MAX_UPLOAD_BYTES) || 5 * 1024 ** 4;

/** The local runtime's admin key, when it injected one. It is never copied into storage. */
export const devKey = injected.devKey || undefined;

function stored(): string | undefined {
  try {
    return localStorage.getItem(keyStorage) || undefined;
  } catch {
    return undefined;
  }
}

/** A key the person typed wins over the injected dev key, so a chosen key survives reloads. */
export const apiKey = signal<string | undefined>(stored() ?? devKey);

export const keySource = (): "saved" | "dev" | "none" =>
  stored() ? "saved" : apiKey.value && apiKey.value === devKey ? "dev" : "none";

export function saveKey(key: string) {
  localStorage.setItem(keyStorage, key.trim());
  apiKey.value = key.trim();
}

export function forgetKey() {
  localStorage.removeItem(keyStorage);
  apiKey.value = devKey;
}
