import { Resource } from "sst";
import * as z from "zod";
import { Aws } from "../../aws";
import { Config } from "../../config";
import { logger } from "../../log";
import { ObjectKeys } from "../../storage/object-keys";
import { MediaError } from "../error";
import { Hls } from "../hls/hls";
import type { HlsInfo, Rendition, Thumbnail, Transcoder } from "../transcoder";
import { freeBytes } from "../work-dir";
import { MediaConvertJob } from "./job";

/**
 * The AWS Elemental MediaConvert adapter. It submits a job whose outputs land on the same keys
 * the ffmpeg adapter writes; the job finishes later, through the EventBridge
 * "MediaConvert Job State Change" event that `finish` reads. The job's UserMetadata names the
 * video and the stage, so a completion from another stage on the same account's default bus is
 * recognised as foreign and ignored.
 */
export namespace MediaConvert {
  export function create(): Transcoder {
    return {
      kind: "mediaconvert",
      async transcode(job) {
        const { CreateJobCommand } = await import("../../clients/mediaconvert");
        const client = await mediaconvertClient();
        const result = await client.send(new CreateJobCommand(MediaConvertJob.build(job)));
        const jobId = result.Job?.Id;
        if (!jobId)
          throw new MediaError("mediaconvert_failed", "CreateJob returned no job id", false);
        return { kind: "submitted", jobId, report: { transcoder: "mediaconvert", jobId } };
      },
      // Only the source is downloaded, for the probe; the job itself reads S3.
      async scratchShortage(dir, bytes) {
        if (bytes * 1.1 <= (await freeBytes(dir))) return undefined;
        return `Not enough temporary space for a ${bytes}-byte source`;
      },
    };
  }

  // The job's settings are built in ./job.ts; these names stay for their callers.
  export const { build: buildJob, ladder } = MediaConvertJob;

  export type Completion = {
    videoId: string;
    jobId: string;
    status: "COMPLETE" | "ERROR";
    renditions?: Rendition[];
    thumbnails?: Thumbnail[];
    /** The CMAF group's ladder; its rungs are read from the master playlist by `withSizes`. */
    hls?: HlsInfo;
    /** The `.m4a` download; its size filled in by `withSizes`. */
    audio?: { key: string; bytes: number };
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

  /** The event's type, for the handler. */
  export type JobStateChange = z.input<typeof Event>;

  const stage = () => Resource.App.stage;

  /** Reads a completion of one of this stage's jobs; undefined (logged) for anything else. */
  export async function finish(event: JobStateChange, bucket: string) {
    const parsed = Event.safeParse(event);
    const metadata = parsed.data?.detail.userMetadata ?? {};
    if (!parsed.success || !metadata.videoId || metadata.stage !== stage()) {
      logger().info(
        { jobId: parsed.data?.detail.jobId, stage: metadata.stage },
        "ignoring a MediaConvert event that is not one of this stage's jobs",
      );
      return undefined;
    }
    return withSizes(parseCompletion(parsed.data), bucket);
  }

  /**
   * Reads a COMPLETE, ERROR or CANCELED event. The event carries no sizes, so renditions come
   * back with `bytes: 0`; `finish` fills them in from S3.
   */
  export function parseCompletion(event: unknown): Completion {
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
    let hls: HlsInfo | undefined;
    let audio: Completion["audio"];
    for (const output of detail.outputGroupDetails.flatMap((g) => g.outputDetails)) {
      for (const path of output.outputFilePaths) {
        const key = path.replace(/^s3:\/\/[^/]+\//, "");
        if (!key.startsWith(prefix)) continue;
        const rest = key.slice(prefix.length);
        // The CMAF group's playlists: the rungs are read back from the master by `withSizes`.
        if (key.startsWith(ObjectKeys.hlsPrefix(videoId))) {
          hls = { masterKey: ObjectKeys.hlsMaster(videoId), rungs: [] };
          continue;
        }
        const size = {
          width: output.videoDetails?.widthInPx,
          height: output.videoDetails?.heightInPx,
        };
        if (key === ObjectKeys.audioDownload(videoId)) {
          audio = { key, bytes: 0 };
          continue;
        }
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
    return {
      ...base,
      status: "COMPLETE",
      renditions,
      thumbnails,
      ...(hls ? { hls } : {}),
      ...(audio ? { audio } : {}),
    };
  }

  /**
   * Each rendition's size from a HeadObject (the event carries none), and the ladder's rungs from
   * the master playlist MediaConvert wrote: its BANDWIDTH, RESOLUTION and CODECS.
   */
  export async function withSizes(completion: Completion, bucket: string): Promise<Completion> {
    if (!completion.renditions) return completion;
    const { GetObjectCommand, HeadObjectCommand } = await import("../../clients/s3");
    const s3 = await Aws.s3();
    const renditions = await Promise.all(
      completion.renditions.map(async (r) => {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: r.key }));
        return { ...r, bytes: head.ContentLength ?? 0 };
      }),
    );
    const m4a = completion.audio?.key;
    const audio = m4a && {
      key: m4a,
      bytes:
        (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: m4a }))).ContentLength ?? 0,
    };
    const sized = { ...completion, renditions, ...(audio ? { audio } : {}) };
    if (!completion.hls) return sized;
    const master = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: completion.hls.masterKey }),
    );
    const rungs = Hls.parseMaster(await master.Body!.transformToString("utf8")).map(
      ({ uri: _, ...rung }) => rung,
    );
    return { ...sized, hls: { ...completion.hls, rungs } };
  }
}

/** Built on first use; kept out of the shared Aws namespace so the API bundle never carries it. */
const mediaconvertClient = () =>
  Aws.once("mediaconvert", async () => {
    const { MediaConvertClient } = await import("../../clients/mediaconvert");
    const endpoint = Config.get().RUSHES_MEDIACONVERT_ENDPOINT;
    return new MediaConvertClient(endpoint ? { endpoint } : {});
  });
