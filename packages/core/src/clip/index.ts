import { Actor } from "../actor";
import { Camera } from "../camera";
import { Config } from "../config";
import { Cursor } from "../cursor";
import { Dynamo } from "../dynamo";
import { notFound, VisibleError } from "../error";
import { exactly } from "../exact";
import { fn } from "../fn";
import { createId, isId } from "../id";
import { Queue } from "../queue";
import { Quota } from "../quota";
import { Storage } from "../storage";
import { Time } from "../time";
import {
  type ClipItem,
  CreateInput,
  Info,
  ListInput,
  type Message,
  VideoClipInput,
} from "./schema";

export type { ClipItem } from "./schema";

export namespace Clip {
  export const Schema = { Info, CreateInput, ListInput, VideoClipInput };
  export type Info = import("./schema").Info;

  export const create = fn(CreateInput, async (input) => {
    const owner = Actor.owner();
    const config = Config.get();
    const now = Date.now();
    if (input.end <= input.start) {
      throw new VisibleError("invalid", "invalid_window", "end must be after start");
    }
    if (input.end - input.start > config.RUSHES_CLIP_MAX_SECONDS * 1000) {
      throw new VisibleError(
        "invalid",
        "too_long",
        `Clips are limited to ${config.RUSHES_CLIP_MAX_SECONDS} seconds`,
      );
    }
    await Camera.get(input.cameraId);
    if (now - input.start > config.RUSHES_CLIP_OUT_OF_RANGE_SECONDS * 1000) {
      throw new VisibleError(
        "invalid",
        "out_of_range",
        `start is older than ${config.RUSHES_CLIP_OUT_OF_RANGE_SECONDS} seconds; that footage is no longer kept`,
      );
    }
    // Last: only a request that would otherwise be accepted counts against the hour's clips.
    await Quota.chargeClip(owner, now);
    const clipId = createId("clip", now);
    const { data } = await Dynamo.entities.clip
      .create({
        clipId,
        owner,
        cameraId: input.cameraId,
        startAt: input.start,
        endAt: input.end,
        accuracy: input.accuracy,
        status: "pending",
        requestedAt: now,
      })
      .go();
    await enqueue(clipId);
    return serialize(data as ClipItem);
  });

  export async function get(clipId: string, options: { urls?: boolean } = {}): Promise<Info> {
    const item = await load(clipId);
    if (!item || item.owner !== Actor.owner()) throw notFound("Clip");
    const info = serialize(item);
    if (!options.urls) return info;
    return {
      ...info,
      ...(info.output
        ? { output: { ...info.output, url: await Storage.presignGet(info.output.key) } }
        : {}),
      thumbnails: await Promise.all(
        info.thumbnails.map(async (t) => ({ ...t, url: await Storage.presignGet(t.key) })),
      ),
    };
  }

  export const list = fn(ListInput, async (input) => {
    const owner = Actor.owner();
    const scope = JSON.stringify(["clips", owner, input.cameraId]);
    const cursor = Cursor.decode(scope, input.cursor);
    const options = { cursor, count: input.limit, limit: input.limit, order: "desc" as const };
    const page = input.cameraId
      ? await Dynamo.entities.clip.query
          .byCamera({ cameraOwner: owner, cameraId: input.cameraId })
          .go(options)
      : await Dynamo.entities.clip.query.byOwner({ owner }).go(options);
    return {
      data: exactly(page.data as ClipItem[], { owner, cameraId: input.cameraId }, "clips").map(
        serialize,
      ),
      cursor: Cursor.encode(scope, page.cursor),
    };
  });

  export async function load(clipId: string): Promise<ClipItem | undefined> {
    if (!isId("clip", clipId)) return undefined;
    const { data } = await Dynamo.entities.clip.get({ clipId }).go();
    return (data as ClipItem | null) ?? undefined;
  }

  /** The clip work queue: one message a clip to cut (or to wait for). */
  export const queue = Queue.port<Message>("clip");

  /** Puts a clip (back) on the work queue, optionally after a delay (at most the queue's 900 s). */
  export async function enqueue(clipId: string, delaySeconds = 0) {
    await queue.send({ clipId }, { delaySeconds });
  }

  /** After a restart of the local runtime (in-memory queue), pending clips go back on the queue. */
  export async function requeuePending() {
    const { data } = await Dynamo.entities.clip.query
      .byStatus({ status: "pending" })
      .go({ pages: "all" });
    for (const clip of data) await enqueue(clip.clipId);
    return data.length;
  }

  export function serialize(item: ClipItem): Info {
    const iso = Time.isoOrEpoch;
    const source = item.videoId
      ? { source: { videoId: item.videoId, start: item.startAt / 1000, end: item.endAt / 1000 } }
      : {
          source: { cameraId: item.cameraId! },
          cameraId: item.cameraId!,
          start: iso(item.startAt),
          end: iso(item.endAt),
        };
    return {
      id: item.clipId,
      ...source,
      accuracy: item.accuracy,
      status: item.status,
      attempts: item.attempts ?? 0,
      requestedAt: iso(item.requestedAt),
      ...(item.output ? { output: item.output } : {}),
      thumbnails: item.thumbnails ?? [],
      ...(item.error ? { error: item.error } : {}),
      updatedAt: iso(item.updatedAt ?? item.requestedAt),
    };
  }
}
