import * as z from "zod";
import { Queue } from "../../queue";

/**
 * What the chunked path writes and sends, defined once: the chunk queue's messages (a chunk to
 * encode, then one MP4 download to build), a chunk's manifest and the stitched ladder, which
 * share one rung schema.
 */
export namespace ChunkedMessage {
  export const Chunk = z.object({
    videoId: z.string(),
    count: z.number().int().positive(),
    sourceStartMs: z.number().int(),
    chunk: z.object({
      index: z.number().int().nonnegative(),
      startMs: z.number().int().nonnegative(),
      endMs: z.number().int().positive(),
      readFromMs: z.number().int().nonnegative(),
      firstSegment: z.number().int().nonnegative(),
    }),
    /** The source's display-matrix rotation (`Probe.Info.rotation`): a chunk's copy may lose it. */
    rotation: z.number().int().optional(),
    /** Where the worker reads: the stored source by ranges, or the split's copy (the default). */
    read: z.enum(["source", "copy"]).optional(),
  });
  export type Chunk = z.infer<typeof Chunk>;

  export const Download = z.object({
    videoId: z.string(),
    /** The rendition (`Plan.renditions[].name`) whose MP4 this job builds. */
    download: z.string(),
  });
  export type Download = z.infer<typeof Download>;

  /** What the chunk queue carries. */
  export const Message = z.union([Chunk, Download]);
  export type Message = z.infer<typeof Message>;

  /** The chunk queue, as the domain sends to it (the functions and local runtime carry it). */
  export const queue = Queue.port<Message>("chunk");

  const Segment = z.object({ uri: z.string(), duration: z.number() });
  const Sized = Segment.extend({ bytes: z.number() });
  const Rendition = z.object({ name: z.string(), codec: z.string(), init: z.string() });
  /** A rung of the ladder (and the audio beside it): the rung schema, defined once. */
  const Rung = Rendition.extend({ width: z.number(), height: z.number() });
  const Audio = Rendition.extend({ channels: z.number() });
  const rated = { peakBitrate: z.number(), averageBitrate: z.number() };

  /** What a chunk worker leaves for the stitch: its segments per rung and of the audio, sized. */
  export const Manifest = z.object({
    rungs: z.array(Rung.extend({ segments: z.array(Sized) })),
    audio: Audio.extend({ segments: z.array(Sized) }).optional(),
  });
  export type Manifest = z.infer<typeof Manifest>;

  /** The ladder the stitch joined: what the downloads are remuxed from and `ready` records. */
  export const Ladder = z.object({
    rungs: z.array(Rung.extend({ ...rated, segments: z.array(Segment) })),
    audio: Audio.extend({ ...rated, segments: z.array(Segment) }).optional(),
  });
  export type Ladder = z.infer<typeof Ladder>;

  /** The `.m4a` the stitch built (`AudioDownload.Stored`), kept for the finish. */
  export const AudioBuilt = z.object({
    download: z.object({ key: z.string(), bytes: z.number() }),
    output: z
      .object({ integratedLufs: z.number().optional(), truePeakDbtp: z.number().optional() })
      .optional(),
  });

  /** One MP4 download a job built, kept for the finish. */
  export const Built = z.object({
    name: z.string(),
    width: z.number(),
    height: z.number(),
    key: z.string(),
    bytes: z.number(),
  });
}
