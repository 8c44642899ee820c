import { Actor } from "../actor";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";
import { createId } from "../id";
import { Quota } from "../quota";
import { Video } from "../video";
import { checkRange } from "../video/range";
import { Clip } from "./index";
import { Info as ClipInfo, type ClipItem, VideoClipInput } from "./schema";

/**
 * Clips of a video the caller owns, between two offsets in seconds: the same entity, queue,
 * worker and cutter as camera clips, the video standing in as the one recording.
 */
export namespace VideoClip {
  export const Input = VideoClipInput;
  export const Info = ClipInfo;

  /**
   * A pending clip of `videoId`. 404 for another owner's video; 422 `not_ready` until it is
   * ready, `invalid_range` (end ≤ start), `range_out_of_bounds` (past its duration) and
   * `too_long` (over RUSHES_CLIP_MAX_SECONDS).
   */
  export async function create(videoId: string, raw: VideoClipInput): Promise<Clip.Info> {
    const owner = Actor.owner();
    const video = await Video.owned(videoId);
    const parsed = Input.safeParse(raw);
    if (!parsed.success) throw VisibleError.fromZod(parsed.error);
    const input = parsed.data;
    const config = Config.get();
    if (video.status !== "ready" || !video.renditions?.length || !video.probe) {
      throw new VisibleError("invalid", "not_ready", "Only a ready video can be clipped");
    }
    checkRange(input.start, input.end, video.probe.durationMs);
    if (input.end - input.start > config.RUSHES_CLIP_MAX_SECONDS) {
      throw new VisibleError(
        "invalid",
        "too_long",
        `Clips are limited to ${config.RUSHES_CLIP_MAX_SECONDS} seconds`,
      );
    }
    const now = Date.now();
    // Last: only a request that would otherwise be accepted counts against the hour's clips.
    await Quota.chargeClip(owner, now);
    const clipId = createId("clip", now);
    const { data } = await Dynamo.entities.clip
      .create({
        clipId,
        owner,
        videoId: video.videoId,
        startAt: Math.round(input.start * 1000),
        endAt: Math.round(input.end * 1000),
        accuracy: input.mode,
        status: "pending",
        requestedAt: now,
      })
      .go();
    await Clip.enqueue(clipId);
    return Clip.serialize(data as ClipItem);
  }
}
