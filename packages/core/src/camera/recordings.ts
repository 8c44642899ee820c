import * as z from "zod";
import { Actor } from "../actor";
import { Config } from "../config";
import { Cursor } from "../cursor";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";
import { fn } from "../fn";
import { Segments } from "../media/cut/segments";
import { Storage } from "../storage";
import { Time } from "../time";
import { Instant, PageInput, type VideoItem } from "../video/schema";
import { Camera } from "./index";

/**
 * A camera's ready recordings in a time window, with the stretches no recording covers. "Covered"
 * is the clip worker's rule (`Segments`), so a window without gaps here is one a clip can cut.
 */
export namespace Recordings {
  export const defaultWindowMs = 24 * 3600 * 1000;
  export const maxWindowMs = 7 * 24 * 3600 * 1000;

  export const ListInput = PageInput.extend({
    cameraId: z.string(),
    start: Instant.optional(),
    end: Instant.optional(),
  });

  const Gap = z.object({ startAt: z.string(), endAt: z.string() });

  export const Info = z
    .object({
      videoId: z.string(),
      startAt: z.string(),
      endAt: z.string(),
      durationMs: z.number(),
      thumbnail: z.object({ url: z.string() }).optional(),
      url: z.string().meta({ description: "Presigned GET of the top MP4 rendition" }),
    })
    .meta({ id: "Recording" });
  export type Info = z.infer<typeof Info>;

  export const Page = z
    .object({
      data: z.array(Info),
      cursor: z.string().nullable(),
      start: z.string(),
      end: z.string(),
      gaps: z.array(Gap).meta({
        description: `Uncovered stretches of [start, end] longer than ${Segments.maxGapMs} ms, in time order`,
      }),
    })
    .meta({ id: "Recordings" });

  /** [start, end] from what was given: the last 24 h by default, at most 7 days. */
  export function window(input: { start?: number; end?: number }, now = Date.now()) {
    const end = input.end ?? (input.start !== undefined ? input.start + defaultWindowMs : now);
    const start = input.start ?? end - defaultWindowMs;
    // A bound derived from the other one obeys the bounds every Instant does.
    if (!Time.inBounds(start, now) || !Time.inBounds(end, now)) {
      throw new VisibleError(
        "input",
        "instant_out_of_range",
        `The window ${new Date(start).toISOString()} to ${new Date(end).toISOString()} must lie between 2000-01-01T00:00:00Z and one day from now`,
      );
    }
    if (end <= start) {
      throw new VisibleError("invalid", "invalid_window", "end must be after start");
    }
    if (end - start > maxWindowMs) {
      throw new VisibleError("invalid", "window_too_long", "The window is limited to 7 days");
    }
    return { start, end };
  }

  export const list = fn(ListInput, async (input) => {
    await Camera.get(input.cameraId);
    const { start, end } = window(input);
    const owner = Actor.owner();
    const scope = JSON.stringify(["recordings", owner, input.cameraId, start, end]);
    const cursor = Cursor.decode(scope, input.cursor);
    const page = await query(owner, input.cameraId, start, end).go({
      cursor,
      count: input.limit,
      limit: input.limit,
    });
    // Gaps need every recording in the window, not just this page: a second, narrow query.
    const spans = await query(owner, input.cameraId, start, end).go({
      pages: "all",
      attributes: ["recordedAt", "endsAt"],
    });
    const gaps = Segments.gaps(
      Segments.plan(
        spans.data.map((v) => ({
          recordedAt: v.recordedAt!,
          durationMs: v.endsAt! - v.recordedAt!,
        })),
        start,
        end,
      ),
      start,
      end,
    );
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      data: await Promise.all((page.data as VideoItem[]).map(serialize)),
      cursor: Cursor.encode(scope, page.cursor),
      start: iso(start),
      end: iso(end),
      gaps: gaps.map((g) => ({ startAt: iso(g.startAt), endAt: iso(g.endAt) })),
    };
  });

  /** Ready recordings overlapping [start, end), oldest first. */
  function query(owner: string, cameraId: string, start: number, end: number) {
    // A recording that overlaps the window started at most one maximum duration before it.
    const longest = Config.get().RUSHES_MAX_DURATION_SECONDS * 1000;
    return Dynamo.entities.video.query
      .byCamera({ cameraScope: `${owner}/${cameraId}` })
      .between({ recordingStart: Math.max(0, start - longest) }, { recordingStart: end })
      .where(
        (a, op) =>
          `${op.eq(a.status, "ready")} AND ${op.gt(a.endsAt, start)} AND ${op.lt(a.recordedAt, end)}`,
      );
  }

  async function serialize(item: VideoItem): Promise<Info> {
    const recordedAt = item.recordedAt!;
    const endsAt = item.endsAt ?? recordedAt + (item.probe?.durationMs ?? 0);
    const thumbnail = [...(item.thumbnails ?? [])].sort((a, b) => a.width - b.width)[0];
    const rendition = item.renditions?.[0];
    return {
      videoId: item.videoId,
      startAt: new Date(recordedAt).toISOString(),
      endAt: new Date(endsAt).toISOString(),
      durationMs: endsAt - recordedAt,
      ...(thumbnail ? { thumbnail: { url: await Storage.presignGet(thumbnail.key) } } : {}),
      url: await Storage.presignGet(rendition?.key ?? item.sourceKey),
    };
  }
}
