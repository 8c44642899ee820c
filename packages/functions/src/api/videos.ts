import { Hono } from "hono";
import { domain } from "./route";

const video = domain("Videos", () => import("@rushes/core/video"));

export const videos = new Hono()
  .get(
    "/",
    video.doc({
      operationId: "listVideos",
      summary: "List videos, newest first",
      description:
        "Filter by `status`, or by `project` (and `step` within it). Pass the returned `cursor` to get the next page; it is null on the last one.",
      response: {
        status: 200,
        description: "A page of videos",
        schema: (m, s) => s.page(m.Video.Schema.Info),
      },
    }),
    video.validate("query", (m) => m.Video.list.schema),
    async (c) => {
      const { Video } = await video.load();
      return c.json(await Video.list(c.req.valid("query")), 200);
    },
  )
  .get(
    "/:id",
    video.doc({
      operationId: "getVideo",
      summary: "Get a video, with presigned URLs for its downloads and its playback links",
      response: { status: 200, description: "The video", schema: (m) => m.Video.Schema.Info },
      errors: [404],
    }),
    async (c) => {
      const { Video } = await video.load();
      const origin = new URL(c.req.url).origin;
      return c.json(await Video.get(c.req.param("id"), { urls: true, origin }), 200);
    },
  )
  .get(
    "/:id/events",
    video.doc({
      operationId: "listVideoEvents",
      summary: "The video's history, oldest first",
      response: {
        status: 200,
        description: "Its events",
        schema: (m, s) => s.list(m.Video.Schema.EventInfo),
      },
      errors: [404],
    }),
    async (c) => {
      const { Video } = await video.load();
      return c.json({ data: await Video.history(c.req.param("id")) }, 200);
    },
  )
  .delete(
    "/:id",
    video.doc({
      operationId: "deleteVideo",
      summary: "Delete a video, its source and its outputs",
      description:
        "The record and every object that exists go at once; what a worker still running writes afterwards is removed by the sweep one processing lease later. Playback tokens of the video answer 404 from then on.",
      response: { status: 204, description: "Deleted" },
      errors: [404],
    }),
    async (c) => {
      const [{ Video }, { handOffThrough }, { Resource }] = await Promise.all([
        video.load(),
        import("../redrive"),
        import("sst"),
      ]);
      // Deleting a processing video frees its slot for the owner's next queued one.
      handOffThrough(() => Resource.Ingest.name);
      await Video.remove(c.req.param("id"));
      return c.body(null, 204);
    },
  );
