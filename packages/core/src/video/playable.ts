import type { VideoItem } from "./schema";

/**
 * Whether a video's HLS can be played (and clipped instantly). Today that is a ready video with
 * a ladder; playback while processing widens this one predicate.
 */
export function isPlayable(video: Pick<VideoItem, "status" | "hls">): boolean {
  return video.status === "ready" && Boolean(video.hls?.rungs.length);
}
