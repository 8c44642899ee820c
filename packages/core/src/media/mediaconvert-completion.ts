import * as z from "zod";
import { Aws } from "../aws";
import { ObjectKeys } from "../storage/object-keys";
import { MediaError } from "./error";
import type { Rendition, Thumbnail } from "./transcoder";

/**
 * The end of a MediaConvert job, from the EventBridge "MediaConvert Job State Change" event. The
 * event names every file written; frame captures carry a `.NNNNNNN` sequence number, so the
 * thumbnail keys are the real paths from the event, not the planned ones.
 */
export namespace MediaConvertCompletion {
  export type Completion = {
    videoId: string;
    jobId: string;
    status: "COMPLETE" | "ERROR";
    renditions?: Rendition[];
    thumbnails?: Thumbnail[];
    error?: { code: string; message: string };
  };

  const OutputDetail = z.object({
    outputFilePaths: z.array(z.string()).default([]),
    videoDetails: z.object({ widthInPx: z.number(), heightInPx: z.number() }).partial().optional(),
  });

  export const Event = z.object({
    source: z.literal("aws.mediaconvert"),
    "detail-type": z.literal("MediaConvert Job State Change"),
    detail: z.object({
      jobId: z.string(),
      status: z.string(),
      userMetadata: z.record(z.string(), z.string()).default({}),
      errorCode: z.number().optional(),
      errorMessage: z.string().optional(),
      outputGroupDetails: z
        .array(
          z.object({
            type: z.string().optional(),
            outputDetails: z.array(OutputDetail).default([]),
          }),
        )
        .default([]),
    }),
  });

  /**
   * Reads a COMPLETE, ERROR or CANCELED event. The event carries no sizes, so renditions come
   * back with `bytes: 0`; `finish` fills them in from S3.
   */
  export function parse(event: unknown): Completion {
    const { detail } = Event.parse(event);
    const videoId = detail.userMetadata.videoId;
    if (!videoId)
      throw new MediaError("mediaconvert_event", "Event has no videoId metadata", false);
    const base = { videoId, jobId: detail.jobId };

    if (detail.status === "ERROR" || detail.status === "CANCELED") {
      const code =
        detail.status === "CANCELED" ? "canceled" : String(detail.errorCode ?? "unknown");
      const message = detail.errorMessage ?? `MediaConvert job ${detail.status.toLowerCase()}`;
      return { ...base, status: "ERROR", error: { code: `mediaconvert_${code}`, message } };
    }
    if (detail.status !== "COMPLETE") {
      throw new MediaError("mediaconvert_event", `Unexpected job status ${detail.status}`, false);
    }

    const renditions: Rendition[] = [];
    const thumbnails: Thumbnail[] = [];
    const prefix = ObjectKeys.mediaPrefix(videoId);
    for (const output of detail.outputGroupDetails.flatMap((g) => g.outputDetails)) {
      for (const path of output.outputFilePaths) {
        const key = path.replace(/^s3:\/\/[^/]+\//, "");
        if (!key.startsWith(prefix)) continue;
        const rest = key.slice(prefix.length);
        const size = {
          width: output.videoDetails?.widthInPx,
          height: output.videoDetails?.heightInPx,
        };
        const rendition = /^([0-9a-z]+)\.mp4$/.exec(rest);
        const thumbnail = /^thumbnails\/(\d+)\.\d+\.jpg$/.exec(rest);
        if (rendition && size.width && size.height) {
          renditions.push({
            name: rendition[1]!,
            width: size.width,
            height: size.height,
            bytes: 0,
            key,
          });
        } else if (thumbnail) {
          const width = size.width ?? Number(thumbnail[1]);
          thumbnails.push({ width, height: size.height ?? 0, key });
        }
      }
    }
    thumbnails.sort((a, b) => a.width - b.width);
    return { ...base, status: "COMPLETE", renditions, thumbnails };
  }

  /** `parse`, plus each rendition's size from a HeadObject. */
  export async function finish(event: unknown, bucket: string): Promise<Completion> {
    const completion = parse(event);
    if (!completion.renditions) return completion;
    const { HeadObjectCommand } = await import("../clients/s3");
    const s3 = await Aws.s3();
    const renditions = await Promise.all(
      completion.renditions.map(async (r) => {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: r.key }));
        return { ...r, bytes: head.ContentLength ?? 0 };
      }),
    );
    return { ...completion, renditions };
  }
}
