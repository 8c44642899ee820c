import type { EntityItem } from "electrodb";
import * as z from "zod";
import { conditional } from "../conditional";
import { Dynamo } from "../dynamo";
import { notFound, VisibleError } from "../error";
import { fn } from "../fn";
import { ObjectKeys, Storage } from "../storage";
import { Time } from "../time";
import { type CaptionEntity, CaptionSources, CaptionStatuses } from "./entity";
import { CaptionFile } from "./parse";

export type Caption = EntityItem<typeof CaptionEntity>;

/**
 * A video's subtitle tracks: WebVTT objects under `media/{videoId}/captions/`, one row each in
 * the video's partition. A track is `ready` once its VTT is stored; an automatic one is
 * `processing` until its engine answers, then `ready` or `failed`. Every function takes the
 * owner, since workers (automatic captions) call them with no request behind them.
 */
export namespace Captions {
  /** A BCP 47 tag in its canonical case ("en-us" → "en-US"), or 400 `invalid_language`. */
  export function language(tag: string): string {
    const invalid = () =>
      new VisibleError(
        "input",
        "invalid_language",
        `"${tag.slice(0, 40)}" is not a BCP 47 language tag (e.g. "en", "en-US", "pt-BR")`,
      );
    if (!/^[A-Za-z0-9-]{2,35}$/.test(tag)) throw invalid();
    try {
      const [canonical] = Intl.getCanonicalLocales(tag);
      if (!canonical) throw invalid();
      return canonical;
    } catch {
      throw invalid();
    }
  }

  export const Language = z.string().transform((tag, ctx) => {
    try {
      return language(tag);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: (error as Error).message,
        params: { code: "invalid_language" },
      });
      return z.NEVER;
    }
  });

  export const Info = z
    .object({
      language: z.string().meta({ example: "en-US" }),
      name: z.string().meta({ example: "English" }),
      source: z.enum(CaptionSources),
      status: z.enum(CaptionStatuses),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
      url: z.string().optional().meta({ description: "A presigned WebVTT download, once ready" }),
      createdAt: z.string(),
      updatedAt: z.string(),
    })
    .meta({ id: "Caption" });
  export type Info = z.infer<typeof Info>;

  export const parse = CaptionFile.parse;

  const Track = z.object({
    owner: z.string().min(1),
    videoId: z.string().min(1),
    language: Language,
    name: z.string().trim().min(1).max(100).optional(),
  });

  /** `?name=` on an upload: the label a player shows. */
  export const UploadQuery = z.object({
    name: Track.shape.name.meta({
      description: "The label players show; by default the language's English name",
      example: "English (CC)",
    }),
  });

  /**
   * A subtitle file a client sent: the video is checked first (404, 409), so a file for a video
   * the caller cannot touch is never read; then it is parsed (422 naming the line) and saved.
   */
  export const upload = fn(
    Track.extend({ format: z.enum(["vtt", "srt"]), text: z.string() }),
    async ({ format, text, ...track }): Promise<Caption> => {
      await readyVideo(track.owner, track.videoId);
      return store({ ...track, source: "upload", vtt: parse(text, format) });
    },
  );

  /** Stores the track's WebVTT and marks it ready, replacing any track of that language. */
  export const save = fn(
    Track.extend({ source: z.enum(CaptionSources), vtt: z.string().min(1) }),
    async (input): Promise<Caption> => {
      await readyVideo(input.owner, input.videoId);
      return store(input);
    },
  );

  async function store(
    input: z.output<typeof Track> & { source: (typeof CaptionSources)[number]; vtt: string },
  ): Promise<Caption> {
    const item = row(input, input.source, "ready");
    await Storage.putText(item.key, input.vtt, "text/vtt; charset=utf-8");
    const { data } = await Dynamo.entities.caption.put(item).go();
    return data as Caption;
  }

  /** A track's row as written: its lowercased key, its label, where its WebVTT lives. */
  function row(
    input: z.output<typeof Track>,
    source: (typeof CaptionSources)[number],
    status: "ready" | "processing",
  ) {
    return {
      videoId: input.videoId,
      owner: input.owner,
      language: input.language,
      tag: input.language.toLowerCase(),
      name: input.name ?? displayName(input.language),
      source,
      key: ObjectKeys.caption(input.videoId, input.language),
      status,
      createdAt: Date.now(),
    };
  }

  /** An automatic track's row, `processing` until `save` (ready) or `fail`. One at a time. */
  export const begin = fn(
    Track.extend({ source: z.literal("auto") }),
    async (input): Promise<Caption> => {
      await readyVideo(input.owner, input.videoId);
      const written = await conditional(
        Dynamo.entities.caption
          .put(row(input, "auto", "processing"))
          .where((a, op) => `${op.notExists(a.status)} OR ${op.ne(a.status, "processing")}`)
          .go(),
      );
      if (!written) {
        throw new VisibleError(
          "conflict",
          "captions_in_progress",
          `Captions in ${input.language} are already being made for this video`,
        );
      }
      return written.data as Caption;
    },
  );

  /** Marks a `processing` track failed; undefined when it is no longer processing. */
  export async function fail(
    owner: string,
    videoId: string,
    tag: string,
    error: { code: string; message: string },
  ): Promise<Caption | undefined> {
    const written = await conditional(
      Dynamo.entities.caption
        .patch({ videoId, tag: language(tag).toLowerCase() })
        .set({ status: "failed", error })
        .where((a, op) => `${op.eq(a.owner, owner)} AND ${op.eq(a.status, "processing")}`)
        .go({ response: "all_new" }),
    );
    return written?.data as Caption | undefined;
  }

  /** The video's tracks, in language order; 404 for a video that is not the owner's. */
  export async function list(owner: string, videoId: string): Promise<Caption[]> {
    await video(owner, videoId);
    const { data } = await Dynamo.entities.caption.query.byId({ videoId }).go({ pages: "all" });
    return data.filter((caption) => caption.owner === owner) as Caption[];
  }

  export async function get(owner: string, videoId: string, tag: string): Promise<Caption> {
    await video(owner, videoId);
    const { data } = await Dynamo.entities.caption
      .get({ videoId, tag: language(tag).toLowerCase() })
      .go();
    if (!data || data.owner !== owner) throw notFound("Caption track");
    return data as Caption;
  }

  /** Deletes one track, its row and its object. */
  export async function remove(owner: string, videoId: string, tag: string): Promise<void> {
    const caption = await get(owner, videoId, tag);
    await Dynamo.entities.caption.delete({ videoId, tag: caption.language.toLowerCase() }).go();
    await Storage.remove(caption.key);
  }

  /** Every track row of a video, whoever reads it: for deleting the video. */
  export async function removeRows(videoId: string): Promise<void> {
    const { data } = await Dynamo.entities.caption.query
      .byId({ videoId })
      .go({ pages: "all", attributes: ["videoId", "tag"] });
    if (data.length) await Dynamo.entities.caption.delete(data).go();
  }

  /** The API's view of a track: a presigned WebVTT download once it is ready. */
  export async function serialize(caption: Caption): Promise<Info> {
    return {
      language: caption.language,
      name: caption.name,
      source: caption.source,
      status: caption.status,
      ...(caption.error ? { error: caption.error } : {}),
      ...(caption.status === "ready"
        ? {
            url: await Storage.presignGet(caption.key, {
              filename: `${caption.videoId}.${caption.language}.vtt`,
            }),
          }
        : {}),
      createdAt: Time.isoOrEpoch(caption.createdAt),
      updatedAt: Time.isoOrEpoch(caption.updatedAt ?? caption.createdAt),
    };
  }

  /** "en-US" → "American English": the label a player shows when the client names none. */
  export function displayName(tag: string): string {
    try {
      return new Intl.DisplayNames(["en"], { type: "language" }).of(tag) ?? tag;
    } catch {
      return tag;
    }
  }

  /** The owner's video (404 otherwise, as for any id it does not own). */
  /** The owner's video: 404 for another owner's, whatever the letter case. */
  export async function video(owner: string, videoId: string) {
    const { data } = await Dynamo.entities.video.get({ videoId }).go();
    if (!data || data.owner !== owner) throw notFound("Video");
    return data;
  }

  /** Tracks belong to a playable video: 409 until it is ready. */
  export async function readyVideo(owner: string, videoId: string) {
    const item = await video(owner, videoId);
    if (item.status !== "ready") {
      throw new VisibleError(
        "conflict",
        "video_not_ready",
        `The video is ${item.status}; captions can be added once it is ready`,
      );
    }
    return item;
  }
}
