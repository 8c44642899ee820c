import { Hono } from "hono";
import { Resource } from "sst";
import { queuesThrough } from "../queue";
import { idempotent } from "./idempotency";
import { domain } from "./route";

const instant = domain("Videos", () => import("@rushes/core/video/instant"));
const clip = domain("Clips", () => import("@rushes/core/clip/from-video"));

// A clip of a video is put on the clip queue, as a camera's is.
queuesThrough({ clip: () => Resource.ClipQueue.url });

/** Clips of one video: instant (a signed playback range) and cut (through the clip queue). */
export const videoClips = new Hono()
  .post(
    "/:id/playback",
    instant.doc({
      operationId: "createInstantClip",
      summary: "An instant clip: playback links for a range of a video, in seconds",
      description:
        "Nothing is cut: the links' token carries the range, signed, and its playlists list only the segments that overlap [start, end]. `EXT-X-START` (PRECISE) starts the player at `start`; the list ends after the segment holding `end`, and `range.playerEnd` is where a player stops to end exactly at `end`. Segment-accurate, no re-encode. Editing the token's range answers 403. 422 `invalid_range` (end ≤ start), `range_out_of_bounds` (end past the duration), `not_playable` (the video cannot be played yet).",
      response: {
        status: 200,
        description: "The clip's playback links and range",
        schema: (m) => m.InstantClip.Playback,
      },
      errors: [404, 422],
      example: { start: 12, end: 27.5 },
    }),
    instant.validate("json", (m) => m.InstantClip.Input),
    async (c) => {
      const { InstantClip } = await instant.load();
      const origin = new URL(c.req.url).origin;
      return c.json(
        await InstantClip.sign(c.req.param("id"), c.req.valid("json"), { origin }),
        200,
      );
    },
  )
  .post(
    "/:id/clips",
    clip.doc({
      operationId: "createVideoClip",
      summary: "Cut a clip of a video between two offsets, in seconds",
      description:
        "Answers 202 with the clip `pending`; the clip worker cuts it from the video's top MP4 rendition and it becomes `available` (or `failed`), with the same events as a camera clip. `mode: exact` re-encodes and is frame-accurate; `fast` stream-copies and may start up to one GOP early. 422 `not_ready` (the video is not ready), `invalid_range`, `range_out_of_bounds`, `too_long` (over RUSHES_CLIP_MAX_SECONDS).",
      response: { status: 202, description: "The pending clip", schema: (m) => m.VideoClip.Info },
      errors: [404, 409, 422, 429],
      example: { start: 12, end: 27.5, mode: "exact" },
    }),
    idempotent(),
    clip.validate("json", (m) => m.VideoClip.Input),
    async (c) => {
      const { VideoClip } = await clip.load();
      return c.json(await VideoClip.create(c.req.param("id"), c.req.valid("json")), 202);
    },
  );
