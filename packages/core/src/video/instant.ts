import * as z from "zod";
import { VisibleError } from "../error";
import { Video } from "./index";
import { isPlayable } from "./playable";
import { checkRange } from "./range";
import { Info } from "./schema";

/**
 * Instant clips: a signed playback range over a video's own HLS. Nothing is cut or encoded; the
 * token carries the range and its playlists list only the segments that overlap it.
 */
export namespace InstantClip {
  const Seconds = z.number().nonnegative().max(1e7);

  export const Input = z
    .object({
      start: Seconds.meta({ description: "Seconds from the video's start", example: 12 }),
      end: Seconds.meta({
        description: "Seconds from the video's start, after `start`",
        example: 27.5,
      }),
    })
    .meta({ id: "InstantClipInput" });
  export type Input = z.input<typeof Input>;

  export const Playback = Info.shape.playback
    .unwrap()
    .extend({
      range: z.object({
        start: z.number(),
        end: z.number(),
        playerStart: z.number().meta({
          description:
            "Where `start` falls on the clip's playlist timeline (its first segment starts at 0): the player's clock at `start`; `EXT-X-START` seeks there",
        }),
        playerEnd: z.number().meta({
          description:
            "The player's clock at `end`. The list ends with the segment that holds `end`; a player that should stop exactly at `end` pauses here",
        }),
      }),
    })
    .meta({ id: "InstantClipPlayback" });
  export type Playback = z.infer<typeof Playback>;

  /**
   * A playback object for [start, end] seconds of the caller's video: 404 for another owner's,
   * 422 `not_playable`, `invalid_range` (end ≤ start) or `range_out_of_bounds` (past its duration).
   */
  export async function sign(
    videoId: string,
    input: Input,
    options: { origin: string; now?: number },
  ): Promise<Playback> {
    const item = await Video.owned(videoId);
    const parsed = Input.safeParse(input);
    if (!parsed.success) throw VisibleError.fromZod(parsed.error);
    const { start, end } = parsed.data;
    if (!isPlayable(item) || !item.probe) {
      throw new VisibleError("invalid", "not_playable", "The video cannot be played yet");
    }
    checkRange(start, end, item.probe.durationMs);
    const { Playback } = await import("../playback");
    const range = { startMs: Math.round(start * 1000), endMs: Math.round(end * 1000) };
    // While it encodes the ladder is not on the record yet: its master names the rungs.
    const rung = item.hls?.rungs[0]?.name ?? (await Playback.firstRung(item.videoId));
    const offset = await Playback.rangeOffset(item.videoId, rung, range);
    const links = Playback.links(item.videoId, options.origin, {
      storyboard: Boolean(item.storyboard),
      range,
      now: options.now,
    });
    const round = (n: number) => Math.round(n * 1000) / 1000;
    return {
      ...links,
      complete: item.status === "ready",
      range: { start, end, playerStart: round(offset), playerEnd: round(offset + end - start) },
    };
  }
}
