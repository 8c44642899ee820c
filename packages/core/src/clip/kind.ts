import { Dynamo } from "../dynamo";
import type { Move } from "../move";
import { ObjectKeys, Storage } from "../storage";
import { ClipTable } from "./moves";
import type { ClipItem } from "./schema";
import type { Statuses } from "./status";

/** How the lifecycle reads, writes and describes a clip (lifecycle.ts does the rest). */
export const clipKind: Move.Kind<ClipItem, (typeof Statuses)[number]> = {
  name: "clip",
  id: (item) => item.clipId,
  async load(clipId) {
    const { data } = await Dynamo.entities.clip.get({ clipId }).go();
    return (data as ClipItem | null) ?? undefined;
  },
  patch: (item) => Dynamo.entities.clip.patch({ clipId: item.clipId }) as unknown as Move.Patch,
  table: ClipTable,
  async properties(item) {
    const widths = (item.thumbnails ?? []).map((t) => t.width);
    return {
      clipId: item.clipId,
      owner: item.owner,
      // A video's clip names its video and offsets; a camera's, its camera and instants.
      ...(item.videoId
        ? { videoId: item.videoId, startMs: item.startAt, endMs: item.endAt }
        : {
            cameraId: item.cameraId,
            startTimestampInMs: item.startAt,
            endTimestampInMs: item.endAt,
          }),
      status: item.status,
      bucket: Storage.bucket(),
      ...(item.output
        ? { clip: { key: item.output.key, url: await Storage.presignGet(item.output.key) } }
        : {}),
      ...(widths.length
        ? { thumbnail: { key: ObjectKeys.clipThumbnailPattern(item.clipId), sizes: widths } }
        : {}),
      ...(item.error ? { error: item.error } : {}),
    };
  },
};
