import { Dynamo } from "../dynamo";
import type { Move } from "../move";
import { Storage } from "../storage";
import { VideoTable } from "./moves";
import type { VideoItem } from "./schema";
import type { Statuses } from "./status";

/** How the lifecycle reads, writes and describes a video (lifecycle.ts does the rest). */
export const videoKind: Move.Kind<VideoItem, (typeof Statuses)[number]> = {
  name: "video",
  id: (item) => item.videoId,
  async load(videoId) {
    const { data } = await Dynamo.entities.video.get({ videoId }).go();
    return (data as VideoItem | null) ?? undefined;
  },
  patch: (item) =>
    Dynamo.entities.video
      .patch({ videoId: item.videoId })
      .composite({ owner: item.owner }) as unknown as Move.Patch,
  table: VideoTable,
  async properties(item) {
    return {
      videoId: item.videoId,
      owner: item.owner,
      status: item.status,
      bucket: Storage.bucket(),
      ...(item.error ? { error: item.error } : {}),
      ...(item.playableAt !== undefined
        ? { playableAt: new Date(item.playableAt).toISOString() }
        : {}),
      ...(item.status === "processing" && item.probe ? { durationMs: item.probe.durationMs } : {}),
      ...(item.status === "ready"
        ? {
            renditions: (item.renditions ?? []).map(({ name, width, height, key }) => ({
              name,
              width,
              height,
              key,
            })),
            thumbnails: item.thumbnails ?? [],
            ...(item.probe ? { durationMs: item.probe.durationMs } : {}),
            // The HLS ladder's keys and rungs, for subscribers that serve playback themselves.
            ...(item.hls
              ? {
                  playback: {
                    hls: item.hls.masterKey,
                    rungs: item.hls.rungs,
                    ...(item.storyboard ? { storyboard: item.storyboard.key } : {}),
                  },
                }
              : {}),
          }
        : {}),
    };
  },
  history: {
    async put(videoId, entry) {
      await Dynamo.entities.videoEvent
        .put({
          videoId,
          eventId: entry.eventId,
          type: entry.type,
          at: entry.at,
          ...(entry.detail === undefined ? {} : { detail: entry.detail }),
        })
        .go();
    },
    async remove(videoId, entries) {
      await Dynamo.entities.videoEvent
        .delete(entries.map((e) => ({ videoId, eventId: e.eventId })))
        .go();
    },
  },
};
