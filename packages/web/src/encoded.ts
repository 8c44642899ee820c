import { useEffect, useState } from "preact/hooks";
import type { Video } from "./api";
import { videoDetails } from "./details";
import { duration } from "./format";

/**
 * How much of a video that plays while it encodes is encoded: the sum of its first rung's
 * segments, read from the growing (EVENT) playlist behind its playback link. No API field: the
 * playlist is the truth the player follows too.
 */
export async function encodedSeconds(master: string): Promise<number | undefined> {
  const text = await (await fetch(master)).text();
  const rung = text.split("\n").find((l) => l.trim() && !l.startsWith("#"));
  if (!rung) return undefined;
  const playlist = await (await fetch(new URL(rung.trim(), master))).text();
  let seconds = 0;
  for (const line of playlist.split("\n")) {
    if (line.startsWith("#EXTINF:")) seconds += Number.parseFloat(line.slice(8)) || 0;
  }
  return seconds;
}

/** "Encoded 0:24 of 0:40". */
export function encodedLabel(seconds: number, video: Pick<Video, "probe">) {
  const total = video.probe ? ` of ${duration(video.probe.durationMs)}` : "";
  return `Encoded ${duration(seconds * 1000)}${total}`;
}

/**
 * The encoded seconds of a processing video once it is playable, read again every few seconds
 * (a segment is a few seconds long); undefined otherwise.
 */
export function useEncoded(video: Pick<Video, "id" | "status" | "playableAt">, everyMs = 3000) {
  const [seconds, setSeconds] = useState<number>();
  const live = video.status === "processing" && Boolean(video.playableAt);
  useEffect(() => {
    if (!live) return setSeconds(undefined);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        let details = await videoDetails.get(video.id);
        // A detail kept from before it was playable has no links yet.
        if (!details.playback) details = await videoDetails.get(video.id, { fresh: true });
        const master = details.playback?.hls;
        if (master) {
          const found = await encodedSeconds(master);
          if (!stopped && found !== undefined) setSeconds(found);
        }
      } catch {
        // The next tick tries again; the label is a hint, not the video.
      }
      if (!stopped) timer = setTimeout(tick, everyMs);
    };
    tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [video.id, live]);
  return seconds;
}
