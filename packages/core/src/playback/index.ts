import type { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { Resource } from "sst";
import { Aws } from "../aws";
import { Config } from "../config";
import { VisibleError } from "../error";
import { ObjectKeys, Storage } from "../storage";
import { CaptionPlaylists } from "./captions";
import { Playlist } from "./playlist";
import { Signer } from "./signer";
import { PlaybackToken } from "./token";

export { Playlist } from "./playlist";
export { Signer } from "./signer";
export { PlaybackToken } from "./token";

/**
 * Private playback. A video's `playback` links carry a signed token; the token routes serve its
 * playlists with every media URI signed for as long as the token lives, so `<video>`, Safari and
 * hls.js play it without an Authorization header while the bucket stays private.
 */
export namespace Playback {
  export type Links = { hls: string; storyboard?: string; expiresAt: string };

  /**
   * Links for a ready video. The expiry is rounded up to the minute, so repeated reads within a
   * minute hand out the same URLs (and browsers reuse what they cached).
   */
  export function links(
    videoId: string,
    base: string,
    options: { storyboard: boolean; now?: number },
  ): Links {
    const now = options.now ?? Date.now();
    const seconds = Config.get().RUSHES_PLAYBACK_EXPIRES_SECONDS;
    const expiresAt = Math.ceil((now / 1000 + seconds) / 60) * 60;
    const root = `${base.replace(/\/$/, "")}/v1/playback/${PlaybackToken.sign(videoId, expiresAt)}`;
    return {
      hls: `${root}/${"master.m3u8"}`,
      ...(options.storyboard ? { storyboard: `${root}/storyboard.vtt` } : {}),
      expiresAt: new Date(expiresAt * 1000).toISOString(),
    };
  }

  /** A playlist or VTT to send: UTF-8 bytes (Playlist.rewrite says why not a string). */
  export type Served = { body: Buffer; contentType: string; maxAgeSeconds: number };

  /**
   * The master playlist. Its variant and audio URIs are relative (`720p/index.m3u8`), so they
   * already resolve to this token's rung routes; only those are let through.
   */
  export async function master(token: string, now = Date.now()): Promise<Served> {
    const { videoId, expiresAt } = await verify(token, now);
    const [stored, tracks] = await Promise.all([
      read(ObjectKeys.hlsMaster(videoId)),
      CaptionPlaylists.tracks(videoId),
    ]);
    const body = Playlist.rewrite(stored, (uri) => {
      if (!Playlist.isLocal(uri)) throw unexpected(uri);
      return uri;
    });
    // Revalidated on every load: it lists the caption tracks, which change under the same token.
    const master = CaptionPlaylists.master(body, tracks);
    return { ...served(master, "application/vnd.apple.mpegurl", expiresAt, now), maxAgeSeconds: 0 };
  }

  /** One rung's (or the audio's) media playlist, with its init and segment URIs signed. */
  export async function media(token: string, rung: string, now = Date.now()): Promise<Served> {
    if (!/^[a-z0-9]{1,16}$/.test(rung)) throw notFound();
    const { videoId, expiresAt } = await verify(token, now);
    const text = await read(ObjectKeys.hlsFile(videoId, rung, "index.m3u8"));
    const body = await signAll(
      text,
      () => Playlist.uris(text),
      Playlist.rewrite,
      (uri) => ObjectKeys.hlsFile(videoId, rung, uri),
    )(videoId, expiresAt);
    return served(body, "application/vnd.apple.mpegurl", expiresAt, now);
  }

  /** A subtitle track's media playlist (playback/captions.ts): its signed WebVTT as one segment. */
  export async function captions(token: string, language: string, now = Date.now()) {
    const { videoId, expiresAt } = await verify(token, now);
    const track = await CaptionPlaylists.track(videoId, language);
    if (!track) throw notFound();
    const sign = await Signer.get().forVideo(videoId, expiresAt);
    const body = Buffer.from(CaptionPlaylists.media(await sign(track.key), track.durationMs));
    return served(body, "application/vnd.apple.mpegurl", expiresAt, now);
  }

  /** The storyboard VTT, each sprite sheet signed; the `#xywh=` fragments are kept. */
  export async function storyboard(token: string, now = Date.now()): Promise<Served> {
    const { videoId, expiresAt } = await verify(token, now);
    const text = await read(ObjectKeys.storyboard(videoId));
    const body = await signAll(
      text,
      () => Playlist.vttImages(text),
      Playlist.rewriteVtt,
      (image) => ObjectKeys.storyboardSheet(videoId, Number(image.replace(/\.jpg$/, ""))),
    )(videoId, expiresAt);
    return served(body, "text/vtt", expiresAt, now);
  }

  /**
   * Signs each URI and rewrites in one pass. The CDN signer is plain string work (one signature
   * per token, cached), so it runs inline; presigned S3 URLs are made first, each distinct URI
   * once. `keyOf` maps a playlist's relative URI to its object key.
   */
  export function signAll(
    text: string,
    uris: () => string[],
    rewrite: (text: string, resolve: (uri: string) => string) => Buffer,
    keyOf: (uri: string) => string,
    signer: Signer = Signer.get(),
  ) {
    return async (videoId: string, expiresAt: number) => {
      const sign = await signer.forVideo(videoId, expiresAt);
      const key = (uri: string) => {
        if (!Playlist.isLocal(uri)) throw unexpected(uri);
        return keyOf(uri);
      };
      if (signer.kind === "cloudfront") return rewrite(text, (uri) => sign(key(uri)) as string);
      const urls = new Map<string, string>();
      await Promise.all(uris().map(async (uri) => urls.set(uri, await sign(key(uri)))));
      return rewrite(text, (uri) => urls.get(uri)!);
    };
  }

  /**
   * A genuine token of a video that still exists. A token outlives a DELETE, so every playlist
   * asks the table (one GetItem): a deleted video's playlists answer 404 as soon as the delete
   * is written, whatever this process has cached. What a player already fetched is bounded by
   * the playlist's max-age and, for segments, by the signatures (docs/architecture.md, "Deleting a video").
   */
  async function verify(token: string, now: number) {
    const verified = PlaybackToken.verify(token, now);
    // Loaded here, not at the top: signing and rewriting stay free of the table (and its name).
    const { Dynamo } = await import("../dynamo");
    const { data } = await Dynamo.entities.video
      .get({ videoId: verified.videoId })
      .go({ attributes: ["videoId"] });
    if (!data) {
      forget(verified.videoId);
      throw notFound();
    }
    return verified;
  }

  // Playlists never change once written: a warm function serves repeats from memory.
  const cache = new Map<string, string>();
  const cacheLimit = 500;

  async function read(key: string): Promise<string> {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    try {
      const object = await (await Aws.s3()).send(
        new GetObjectCommand({ Bucket: Storage.bucket(), Key: key }),
      );
      const text = await object.Body!.transformToString("utf8");
      if (cache.size >= cacheLimit) cache.delete(cache.keys().next().value!);
      cache.set(key, text);
      return text;
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status === 404 || (error as Error).name === "NoSuchKey") throw notFound();
      throw error;
    }
  }

  let cloudFront: CloudFrontClient | undefined;

  /**
   * After a DELETE: this process forgets the video's playlists, and a linked CDN drops what its
   * edges cached of the video (one wildcard invalidation), so a segment URL signed before the
   * delete stops playing once that propagates, not when the token or the day-long TTL runs out.
   */
  export async function revoke(videoId: string) {
    forget(videoId);
    if (!("Cdn" in Resource) || !Resource.Cdn.distributionId) return;
    const { CloudFrontClient, CreateInvalidationCommand } = await import(
      "@aws-sdk/client-cloudfront"
    );
    cloudFront ??= new CloudFrontClient({});
    await cloudFront.send(
      new CreateInvalidationCommand({
        DistributionId: Resource.Cdn.distributionId,
        InvalidationBatch: {
          CallerReference: `${videoId}-${Date.now()}`,
          Paths: { Quantity: 1, Items: [`/${ObjectKeys.mediaPrefix(videoId)}*`] },
        },
      }),
    );
  }

  /** Drops a deleted video's playlists from memory. */
  function forget(videoId: string) {
    const prefix = ObjectKeys.mediaPrefix(videoId);
    for (const key of cache.keys()) if (key.startsWith(prefix)) cache.delete(key);
  }

  /** Media URLs outlive the response; a player may cache a playlist a few minutes, not past it. */
  function served(body: Buffer, contentType: string, expiresAt: number, now: number): Served {
    const left = Math.floor(expiresAt - now / 1000);
    return { body, contentType, maxAgeSeconds: Math.max(0, Math.min(300, left - 60)) };
  }

  const notFound = () => new VisibleError("not_found", "not_found", "Playlist not found");
  const unexpected = (uri: string) => new Error(`Stored playlist names an unexpected URI: ${uri}`);
}
