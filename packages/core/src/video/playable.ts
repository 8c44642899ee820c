import type { VideoItem } from "./schema";

/**
 * Whether a video's HLS can be played (and clipped instantly): a ready video with a ladder, or
 * one still processing whose first segments of every rung are stored (`playableAt`).
 */
export function isPlayable(video: Pick<VideoItem, "status" | "hls" | "playableAt">): boolean {
  if (video.status === "ready") return Boolean(video.hls?.rungs.length);
  return video.status === "processing" && video.playableAt !== undefined;
}
