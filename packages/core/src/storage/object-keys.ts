import { isId } from "../id";

/**
 * Every object key rushes writes. Keys are built only here, from server-generated ids, so a
 * client can never choose where its bytes land. Uploads live under `uploads/` (the only prefix
 * that triggers ingest); outputs live under `media/` and `clips/`, so outputs never re-trigger it.
 * Ingest moves a validated source to `sources/`, where no presigned POST reaches: a re-post to a
 * still-valid presign cannot replace what was processed.
 */
export namespace ObjectKeys {
  export const uploadsPrefix = "uploads/";

  export const source = (videoId: string) => `uploads/${videoId}/source`;
  export const uploadPrefix = (videoId: string) => `uploads/${videoId}/`;
  /** The validated source, moved here by ingest; downloads read it. */
  export const original = (videoId: string) => `sources/${videoId}/source`;
  export const originalPrefix = (videoId: string) => `sources/${videoId}/`;

  export const mediaPrefix = (videoId: string) => `media/${videoId}/`;
  export const rendition = (videoId: string, name: string) => `media/${videoId}/${name}.mp4`;
  export const thumbnail = (videoId: string, width: number) =>
    `media/${videoId}/thumbnails/${width}.jpg`;

  /** The HLS ladder: the master playlist, and one folder per rung (and one for audio). */
  export const hlsPrefix = (videoId: string) => `media/${videoId}/hls/`;
  export const hlsMaster = (videoId: string) => `media/${videoId}/hls/master.m3u8`;
  /** A file of one rung: `index.m3u8`, `init.mp4` or a numbered `.m4s` segment. */
  export const hlsFile = (videoId: string, rung: string, file: string) =>
    `media/${videoId}/hls/${rung}/${file}`;
  export const storyboard = (videoId: string) => `media/${videoId}/storyboard/storyboard.vtt`;
  export const storyboardSheet = (videoId: string, index: number) =>
    `media/${videoId}/storyboard/${index}.jpg`;
  /** A subtitle track, as WebVTT; `language` is the lowercased BCP 47 tag. */
  export const caption = (videoId: string, language: string) =>
    `media/${videoId}/captions/${language.toLowerCase()}.vtt`;
  /** Every prefix that can hold a video's objects: what a delete must clear. */
  export const videoPrefixes = (videoId: string) => [
    uploadPrefix(videoId),
    originalPrefix(videoId),
    mediaPrefix(videoId),
  ];

  /** Scratch for the chunked transcode; deleted after `ready`, expired by a bucket rule. */
  export const workPrefix = (videoId: string) => `work/${videoId}/`;
  export const chunk = (videoId: string, index: number) =>
    `work/${videoId}/chunks/${String(index).padStart(5, "0")}.mkv`;
  export const chunkManifest = (videoId: string, index: number) =>
    `work/${videoId}/chunks/${String(index).padStart(5, "0")}.json`;
  /** The stitched ladder (rungs and audio) that each MP4 download job builds from. */
  export const stitchedLadder = (videoId: string) => `work/${videoId}/ladder.json`;
  /** What one download job wrote: its rendition, for the job that finishes the video. */
  export const builtDownload = (videoId: string, name: string) =>
    `work/${videoId}/downloads/${name}.json`;
  /** Storyboard tile `index` of the whole video, made by the chunk that holds its time. */
  export const storyboardTile = (videoId: string, index: number) =>
    `work/${videoId}/tiles/${index}.jpg`;
  /** A chunk's exact audio samples (FLAC), which its worker encodes with the chunk. */
  export const chunkAudio = (videoId: string, index: number) =>
    `work/${videoId}/chunks/${String(index).padStart(5, "0")}.flac`;

  export const clipPrefix = (clipId: string) => `clips/${clipId}/`;
  export const clip = (clipId: string) => `clips/${clipId}/clip.mp4`;
  /** The pattern published in clip events; `{size}` is a thumbnail width. */
  export const clipThumbnailPattern = (clipId: string) => `clips/${clipId}/thumbnails/{size}.jpg`;
  export const clipThumbnail = (clipId: string, width: number) =>
    clipThumbnailPattern(clipId).replace("{size}", String(width));

  /** `uploads/{videoId}/source` → videoId, or undefined for any other key. */
  export function parseSource(key: string): string | undefined {
    const match = /^uploads\/([^/]+)\/source$/.exec(key);
    return match?.[1] && isId("video", match[1]) ? match[1] : undefined;
  }
}
