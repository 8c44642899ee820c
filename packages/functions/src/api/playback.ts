import type { Context } from "hono";
import { Hono } from "hono";

const core = () => import("@rushes/core/playback");

type Served = Awaited<ReturnType<Awaited<ReturnType<typeof core>>["Playback"]["master"]>>;

/** Playlists answer with their own type; a player may keep them a few minutes at most. */
const reply = (c: Context, served: Served) =>
  c.body(served.body, 200, {
    "content-type": served.contentType,
    "cache-control": `private, max-age=${served.maxAgeSeconds}`,
  });

/**
 * Playback by token, with no API key: the token in the path is the capability. Mounted before
 * the bearer auth. A tampered, expired or foreign token is a 403.
 */
export const playback = new Hono()
  .get("/:token/master.m3u8", async (c) => {
    const { Playback } = await core();
    return reply(c, await Playback.master(c.req.param("token")));
  })
  .get("/:token/storyboard.vtt", async (c) => {
    const { Playback } = await core();
    return reply(c, await Playback.storyboard(c.req.param("token")));
  })
  .get("/:token/:rung/index.m3u8", async (c) => {
    const { Playback } = await core();
    return reply(c, await Playback.media(c.req.param("token"), c.req.param("rung")));
  });
