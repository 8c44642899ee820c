import { VisibleError } from "@rushes/core/error";
import { Hono } from "hono";
import { bodyCap } from "./error";
import { domain } from "./route";

const captions = domain("Captions", () => import("@rushes/core/captions"));

/** A subtitle file is text: an hour of dense captions is about 100 KB. */
export const captionBodyBytes = 1024 * 1024;

const formats: Record<string, "vtt" | "srt"> = {
  "text/vtt": "vtt",
  "application/x-subrip": "srt",
};

const owner = async () => (await import("@rushes/core/actor")).Actor.owner();

/** A video's subtitle tracks, mounted under /videos beside its other routes. */
export const captionRoutes = new Hono()
  .get(
    "/:id/captions",
    captions.doc({
      operationId: "listCaptions",
      summary: "List a video's subtitle tracks",
      description:
        "Each track with its language, label, source (`upload` or `auto`), status and, once ready, a presigned WebVTT download.",
      response: {
        status: 200,
        description: "Its tracks",
        schema: (m, s) => s.list(m.Captions.Info),
      },
      errors: [404],
    }),
    async (c) => {
      const { Captions } = await captions.load();
      const tracks = await Captions.list(await owner(), c.req.param("id"));
      return c.json({ data: await Promise.all(tracks.map(Captions.serialize)) }, 200);
    },
  )
  .put(
    "/:id/captions/:language",
    bodyCap(captionBodyBytes, "Subtitle files are limited to 1 MiB"),
    captions.doc({
      operationId: "putCaptions",
      summary: "Add or replace the subtitle track of one language",
      description:
        "`:language` is a BCP 47 tag (`en`, `en-US`, `pt-BR`; any case, stored canonical): 400 `invalid_language` otherwise. The body is the file itself, at most 1 MiB. A file that does not parse answers 422 `invalid_captions`, its message naming the line. It is stored as WebVTT and listed in the video's HLS master from then on. The video must be ready (409 `video_not_ready`).",
      body: {
        contentTypes: ["text/vtt", "application/x-subrip"],
        description: "A WebVTT or SRT file, UTF-8",
        examples: {
          "text/vtt": "WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nHello there.\n",
          "application/x-subrip": "1\n00:00:01,000 --> 00:00:03,500\nHello there.\n",
        },
      },
      response: { status: 200, description: "The track", schema: (m) => m.Captions.Info },
      errors: [404, 409, 422],
    }),
    captions.validate("query", (m) => m.Captions.UploadQuery),
    async (c) => {
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      const format = formats[type];
      if (!format) {
        throw new VisibleError(
          "unsupported",
          "unsupported_media_type",
          "Send the file as text/vtt (WebVTT) or application/x-subrip (SRT)",
        );
      }
      const { Captions } = await captions.load();
      const caption = await Captions.upload({
        owner: await owner(),
        videoId: c.req.param("id"),
        language: c.req.param("language"),
        name: c.req.valid("query").name,
        format,
        text: new TextDecoder("utf-8").decode(await c.req.arrayBuffer()),
      });
      return c.json(await Captions.serialize(caption), 200);
    },
  )
  .delete(
    "/:id/captions/:language",
    captions.doc({
      operationId: "deleteCaptions",
      summary: "Delete the subtitle track of one language",
      response: { status: 204, description: "Deleted" },
      errors: [404],
    }),
    async (c) => {
      const { Captions } = await captions.load();
      await Captions.remove(await owner(), c.req.param("id"), c.req.param("language"));
      return c.body(null, 204);
    },
  );
