import { gzipSync } from "node:zlib";
import type { Playback } from "@rushes/core/playback";
import type { Context } from "hono";
import { Hono } from "hono";
import { domain } from "./route";

const playback = domain("Playback", () => import("@rushes/core/playback"));

/**
 * Playlists answer with their own type; a player may keep them a few minutes at most. A signed
 * hour-long rung is 250-400 KB of near-identical lines (the same query string on every segment
 * with CloudFront), so it goes gzipped, at zlib's fastest level, to every client that takes it:
 * about a twentieth of the bytes for a millisecond of work.
 */
const reply = (c: Context, served: Playback.Served) => {
  const gzip = served.body.length > 512 && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
  const body = gzip ? gzipSync(served.body, { level: 1 }) : served.body;
  // A view of the same bytes (Hono's types want a Uint8Array over a plain ArrayBuffer).
  return c.body(new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length), 200, {
    "content-type": served.contentType,
    "cache-control": `private, max-age=${served.maxAgeSeconds}`,
    vary: "accept-encoding",
    ...(gzip ? { "content-encoding": "gzip" } : {}),
  });
};

const token =
  "The token from a video's `playback` links. A tampered, expired or foreign token answers 403.";

/**
 * Playback by token, with no API key: the token in the path is the capability. Mounted before
 * the bearer auth.
 */
export const playbackRoutes = new Hono()
  .get(
    "/:token/master.m3u8",
    playback.doc({
      operationId: "getPlaybackMaster",
      summary: "The HLS master playlist",
      description: `${token} Its variant URIs are relative, so they resolve to this token's rung playlists.`,
      response: { status: 200, description: "application/vnd.apple.mpegurl" },
      errors: [403, 404],
      auth: false,
    }),
    async (c) => {
      const { Playback } = await playback.load();
      return reply(c, await Playback.master(c.req.param("token")));
    },
  )
  .get(
    "/:token/storyboard.vtt",
    playback.doc({
      operationId: "getPlaybackStoryboard",
      summary: "The WebVTT storyboard, each sprite sheet URL signed (`#xywh=` fragments kept)",
      description: token,
      response: { status: 200, description: "text/vtt" },
      errors: [403, 404],
      auth: false,
    }),
    async (c) => {
      const { Playback } = await playback.load();
      return reply(c, await Playback.storyboard(c.req.param("token")));
    },
  )
  .get(
    "/:token/captions/:language/index.m3u8",
    playback.doc({
      operationId: "getPlaybackCaptions",
      summary: "A subtitle track's media playlist: its signed WebVTT as one segment",
      description: `${token} \`language\` is the track's tag in lower case, as the master's SUBTITLES group names it.`,
      response: { status: 200, description: "application/vnd.apple.mpegurl" },
      errors: [403, 404],
      auth: false,
    }),
    async (c) => {
      const { Playback } = await playback.load();
      return reply(c, await Playback.captions(c.req.param("token"), c.req.param("language")));
    },
  )
  .get(
    "/:token/:rung/index.m3u8",
    playback.doc({
      operationId: "getPlaybackRung",
      summary: "One rung's (or the audio's) media playlist, every init and segment URL signed",
      description: `${token} The signed URLs live as long as the token.`,
      response: { status: 200, description: "application/vnd.apple.mpegurl" },
      errors: [403, 404],
      auth: false,
    }),
    async (c) => {
      const { Playback } = await playback.load();
      return reply(c, await Playback.media(c.req.param("token"), c.req.param("rung")));
    },
  );
