import * as z from "zod";

/**
 * Shapes that several domains share: each is defined once here and reused (through `.extend`,
 * `.pick` or `z.infer`) by the API schemas, the events, the transcoders and the entities' types.
 */

/** An owner's name, as API keys carry it. */
export const Owner = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, "letters, digits, _ . @ - only");

/** Why a video or clip was rejected or failed. */
export const ErrorInfo = z
  .object({
    code: z.string(),
    message: z.string(),
    /** The HTTP status a URL ingest's server answered (`fetch_http_error`). */
    status: z.number().optional(),
  })
  .meta({ id: "ErrorInfo" });
export type ErrorInfo = z.infer<typeof ErrorInfo>;

/** One stored JPEG still. */
export const Thumbnail = z.object({ width: z.number(), height: z.number(), key: z.string() });
export type Thumbnail = z.infer<typeof Thumbnail>;

/** One stored MP4 rendition. */
export const Rendition = z.object({
  name: z.string(),
  width: z.number(),
  height: z.number(),
  bytes: z.number(),
  key: z.string(),
});
export type Rendition = z.infer<typeof Rendition>;

/** What ffprobe told us about a source; `Probe.file` in core/media produces it. */
export const ProbeInfo = z.object({
  durationMs: z.number().int().nonnegative(),
  /** Display size: sample aspect ratio and rotation applied. */
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  videoCodec: z.string(),
  audioCodec: z.string().optional(),
  fps: z.number().positive().optional(),
  /** ffprobe's `format_name`, e.g. "mov,mp4,m4a,3gp,3g2,mj2"; it picks the demuxer later. */
  formatName: z.string(),
  /** Display-matrix rotation in degrees, 0..359; only present when non-zero. */
  rotation: z.number().int().optional(),
});
export type ProbeInfo = z.infer<typeof ProbeInfo>;

/** One rung of the stored HLS ladder, as the master playlist describes it. */
export const HlsRung = z.object({
  name: z.string(),
  width: z.number(),
  height: z.number(),
  /** Peak bits per second (the master's BANDWIDTH), audio included. */
  bandwidth: z.number(),
  codecs: z.string(),
});
export type HlsRung = z.infer<typeof HlsRung>;

/** The stored HLS ladder: its master playlist and rungs, largest first. */
export const HlsInfo = z.object({ masterKey: z.string(), rungs: z.array(HlsRung) });
export type HlsInfo = z.infer<typeof HlsInfo>;

/** The stored scrubbing storyboard: a WebVTT file over JPEG sprite sheets. */
export const StoryboardInfo = z.object({
  key: z.string(),
  sheets: z.array(z.string()),
  intervalMs: z.number(),
  tileWidth: z.number(),
  tileHeight: z.number(),
  count: z.number(),
});
export type StoryboardInfo = z.infer<typeof StoryboardInfo>;

/** EBU R128 figures of one measurement; a figure is absent where the audio is silent. */
export const LoudnessFigures = z.object({
  integratedLufs: z.number().optional(),
  truePeakDbtp: z.number().optional(),
});

/**
 * A video's audio beyond the ladder: the `.m4a` download (the ladder's audio rendition, remuxed),
 * and, when normalised, the loudness measured on the source and on what was produced.
 */
export const AudioInfo = z.object({
  download: z.object({ key: z.string(), bytes: z.number() }).optional(),
  loudness: z
    .object({
      input: LoudnessFigures.extend({ lra: z.number().optional() }),
      /** Measured on the produced audio rendition; absent where MediaConvert normalised. */
      output: LoudnessFigures.optional(),
      targetLufs: z.number(),
      /** The one linear gain applied everywhere; absent where MediaConvert normalised itself. */
      gainDb: z.number().optional(),
    })
    .optional(),
});
export type AudioInfo = z.infer<typeof AudioInfo>;
