import { api, type Clip, type Video } from "./api";

/**
 * List items carry no presigned URLs, so thumbnails come from the detail endpoint, fetched
 * once per item (a few at a time) and refreshed when its URLs are near expiry.
 */
function detailCache<T>(fetch: (id: string) => Promise<T>, ttlMs = 10 * 60_000) {
  const entries = new Map<string, { at: number; value: Promise<T> }>();
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    if (running >= 4) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
  };
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return {
    get(id: string, { fresh = false } = {}): Promise<T> {
      const hit = entries.get(id);
      if (hit && !fresh && Date.now() - hit.at < ttlMs) return hit.value;
      const value = slot().then(() => fetch(id).finally(release));
      entries.set(id, { at: Date.now(), value });
      value.catch(() => entries.delete(id));
      return value;
    },
    /** Stores a detail fetched elsewhere (e.g. by polling). */
    put(id: string, value: T) {
      entries.set(id, { at: Date.now(), value: Promise.resolve(value) });
    },
    drop(id: string) {
      entries.delete(id);
    },
  };
}

export const videoDetails = detailCache<Video>(api.video);
export const clipDetails = detailCache<Clip>(api.clip);
