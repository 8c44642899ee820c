import { expect } from "vitest";
import type { Harness } from "../integration/harness";
import { waitUntil } from "./wait";

// Watching a video that plays while it encodes, through the API and the playback routes alone.
export type Playback = { hls: string; complete: boolean; playableAt?: string; expiresAt: string };
export type Seen = {
  status: string;
  playback?: Playback;
  /** The first rung's playlist through the token, with its Cache-Control max-age. */
  rung?: { text: string; maxAge: number };
  masterMaxAge?: number;
};

const maxAge = (res: Response) =>
  Number(/max-age=(\d+)/.exec(res.headers.get("cache-control") ?? "")?.[1] ?? Number.NaN);
export const segments = (text: string) => text.split("\n").filter((l) => l && !l.startsWith("#"));
export const target = (text: string) => Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1]);

/**
 * Reads the video and, once it has `playback`, its master and first rung, until it is ready.
 * `whilePlayable` runs once, at the first read that finds it processing with `playback`.
 */
export async function watch(
  h: Harness,
  key: string,
  id: string,
  whilePlayable?: () => Promise<void>,
): Promise<Seen[]> {
  const seen: Seen[] = [];
  let ran = false;
  await waitUntil(
    () => `video ${id} to be ready (last ${seen.at(-1)?.status})`,
    async () => {
      const video = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
      const entry: Seen = { status: video.status, playback: video.playback };
      if (video.playback) {
        const master = await fetch(video.playback.hls);
        entry.masterMaxAge = maxAge(master);
        const first = segments(await master.text())[0]!;
        const rung = await fetch(new URL(first, video.playback.hls));
        expect(rung.status).toBe(200);
        entry.rung = { text: await rung.text(), maxAge: maxAge(rung) };
      }
      seen.push(entry);
      if (whilePlayable && !ran && video.status === "processing" && video.playback) {
        ran = true;
        await whilePlayable();
      }
      if (["failed", "rejected"].includes(video.status)) throw new Error(JSON.stringify(video));
      return video.status === "ready";
    },
    { timeoutMs: 300_000, intervalMs: 100 },
  );
  return seen;
}

export const history = async (h: Harness, key: string, id: string) =>
  (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data as { type: string; at: string }[];
