import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { logger } from "../../log";
import { inParallel } from "../../parallel";
import { Storage } from "../../storage";
import { ObjectKeys } from "../../storage/object-keys";
import { contentTypes } from "../content-types";
import { Hls } from "../hls/hls";
import type { Plan } from "../plan";

/**
 * Playback while the single run still encodes. ffmpeg's hls muxer (in `event` mode) rewrites a
 * rendition's playlist, by renaming a temp file, right after it closes a segment: a segment the
 * playlist lists is complete. This polls the playlists during the run and stores each newly listed
 * segment (the init before the first), then that playlist as read, an EVENT playlist without
 * ENDLIST. Once every rung and the audio have a segment stored, it stores a master measured from
 * what exists so far and calls `onPlayable`. The run's end stores the rest and the final playlists
 * and master over these (FfmpegTranscoder.create).
 */
export namespace Progressive {
  export type Live = {
    /** What is stored already, as `{rendition}/{file}`: the end skips these. */
    stored: Set<string>;
    /** Stops polling; resolves once the poll under way has finished. */
    stop(): Promise<void>;
  };

  export type Options = {
    hlsDir: string;
    videoId: string;
    bucket: string;
    hls: Plan.Hls;
    onPlayable?: () => Promise<unknown>;
    intervalMs?: number;
  };

  /** How often the playlists are read: ffmpeg closes a segment every few seconds at most. */
  const defaultIntervalMs = 200;

  export function watch(options: Options): Live {
    const { hlsDir, videoId, bucket, hls } = options;
    const names = [...hls.rungs.map((r) => r.name), ...(hls.audio ? [hls.audio.name] : [])];
    const stored = new Set<string>();
    const listed = new Map<string, number>(names.map((n) => [n, 0]));
    let playable = false;
    let stopped = false;
    const put = async (name: string, file: string, type: string) => {
      await Storage.upload(
        ObjectKeys.hlsFile(videoId, name, file),
        join(hlsDir, name, file),
        type,
        bucket,
      );
      stored.add(`${name}/${file}`);
    };

    async function publish(name: string) {
      const text = await readFile(join(hlsDir, name, Hls.playlistName), "utf8").catch(() => "");
      // The final playlist (ENDLIST) is the run's end to store, as VOD.
      if (!text || /#EXT-X-ENDLIST/.test(text)) return;
      const { init, segments } = Hls.parse(text);
      if (!init || segments.length <= listed.get(name)!) return;
      if (!stored.has(`${name}/${init}`)) await put(name, init, contentTypes.mp4);
      const fresh = segments.slice(listed.get(name)!).map((s) => s.uri);
      await inParallel(fresh, 4, (file) => put(name, file, contentTypes.m4s));
      await Storage.putText(
        ObjectKeys.hlsFile(videoId, name, Hls.playlistName),
        text,
        contentTypes.m3u8,
      );
      listed.set(name, segments.length);
    }

    async function poll() {
      // Side by side: one rung's uploads do not hold back the others', and playable waits on the
      // last of them. Every publish settles before the next poll, so none runs twice at once.
      const failed = (await Promise.allSettled(names.map(publish))).find(
        (r) => r.status === "rejected",
      );
      if (failed) throw failed.reason;
      if (playable || names.some((n) => listed.get(n)! === 0)) return;
      const ladder = await Hls.describe(hlsDir, hls);
      await Storage.putText(hls.masterKey, ladder.master, contentTypes.m3u8);
      playable = true;
      await options.onPlayable?.();
    }

    const loop = (async () => {
      while (!stopped) {
        // A failed poll is retried by the next one; the run's end stores whatever is left.
        await poll().catch((error: unknown) =>
          logger().warn({ err: error, videoId }, "media: progressive upload failed"),
        );
        if (!stopped) await sleep(options.intervalMs ?? defaultIntervalMs);
      }
    })();

    return {
      stored,
      async stop() {
        stopped = true;
        await loop;
      },
    };
  }
}
