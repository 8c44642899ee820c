import { join } from "node:path";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { Resource } from "sst";
import * as z from "zod";
import { Aws } from "../aws";
import { Config } from "../config";
import { Lifecycle } from "../lifecycle";
import { logger } from "../log";
import {
  ChunkTranscode,
  FfmpegTranscoder,
  type Hls,
  Plan,
  type Probe,
  withWorkDir,
} from "../media";
import { contentTypes } from "../media/transcoder";
import { ObjectKeys, Storage } from "../storage";
import { Ingest } from "./ingest";
import { Join } from "./join";
import type { VideoItem } from "./schema";

/**
 * The last stage of a chunked transcode: each MP4 download built by its own job, so the largest
 * one's bytes are the only ones on the way to `ready` (in one function, every download's segments
 * and MP4s share its bandwidth). The stitch writes the joined ladder and sends one message per
 * download on the chunk queue; each job records itself in a set (a redelivery counts once); the
 * job that completes the set, and only that one (a conditional write), marks the video `ready`.
 */
export namespace ChunkedDownloads {
  export const Message = z.object({
    videoId: z.string(),
    /** The rendition (`Plan.renditions[].name`) whose MP4 this job builds. */
    download: z.string(),
  });
  export type Message = z.infer<typeof Message>;

  /** The ladder the stitch joined: what the downloads are remuxed from and `ready` records. */
  const Ladder = z.object({
    rungs: z.array(
      z.object({
        name: z.string(),
        codec: z.string(),
        width: z.number(),
        height: z.number(),
        peakBitrate: z.number(),
        averageBitrate: z.number(),
        init: z.string(),
        segments: z.array(z.object({ uri: z.string(), duration: z.number() })),
      }),
    ),
    audio: z
      .object({
        name: z.string(),
        codec: z.string(),
        channels: z.number(),
        peakBitrate: z.number(),
        averageBitrate: z.number(),
        init: z.string(),
        segments: z.array(z.object({ uri: z.string(), duration: z.number() })),
      })
      .optional(),
  });
  type Ladder = z.infer<typeof Ladder>;

  const Built = z.object({
    name: z.string(),
    width: z.number(),
    height: z.number(),
    key: z.string(),
    bytes: z.number(),
  });

  const planOf = (video: VideoItem) =>
    Plan.forVideo(video.videoId, video.probe as Probe.Info, Config.get().RUSHES_THUMBNAIL_WIDTHS);

  /** The stitch's hand-over: the joined ladder stored, then one message per download. */
  export async function fanOut(video: VideoItem, ladder: Ladder) {
    const id = video.videoId;
    await Storage.putText(
      ObjectKeys.stitchedLadder(id),
      JSON.stringify(ladder),
      "application/json",
    );
    const renditions = planOf(video).renditions;
    if (renditions.length === 0) return finish(video);
    const sqs = await Aws.sqs();
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: Resource.ChunkQueue.url,
        Entries: renditions.map((r) => ({
          Id: r.name,
          MessageBody: JSON.stringify({ videoId: id, download: r.name } satisfies Message),
        })),
      }),
    );
    if (out.Failed?.length)
      throw new Error(`download messages not sent: ${out.Failed.map((f) => f.Code).join(", ")}`);
    logger().info({ videoId: id, downloads: renditions.length }, "chunked: downloads fanned out");
    return "stitched" as const;
  }

  /** One download message; on its last attempt a failure fails the video (`download_failed`). */
  export async function run(message: Message, lastAttempt: boolean) {
    const video = await Lifecycle.video.load(message.videoId);
    if (video?.status !== "processing" || !video.probe) return "settled" as const;
    try {
      if (!video.downloadsDone?.includes(message.download)) await build(video, message.download);
      return await record(video, message.download);
    } catch (error) {
      if (!lastAttempt) throw error;
      await Ingest.fail(
        video,
        "download_failed",
        `The ${message.download} download failed: ${(error as Error).message.slice(0, 300)}`,
        { removeIfDeleted: false },
      );
      return "failed" as const;
    }
  }

  async function build(video: VideoItem, name: string) {
    const id = video.videoId;
    const r = planOf(video).renditions.find((x) => x.name === name);
    if (!r) throw new Error(`No ${name} download in the plan`);
    const ladder = Ladder.parse(JSON.parse(await Storage.getText(ObjectKeys.stitchedLadder(id))));
    const rung = ladder.rungs.find((x) => x.name === name);
    if (!rung) throw new Error(`No ${name} rung in the ladder`);
    await withWorkDir(async (dir) => {
      const hls = join(dir, "hls");
      for (const part of [rung, ...(ladder.audio ? [ladder.audio] : [])]) {
        await ChunkTranscode.fetchRendition(
          part,
          (file) => ObjectKeys.hlsFile(id, part.name, file),
          hls,
        );
      }
      const path = join(dir, `${name}.mp4`);
      await FfmpegTranscoder.download(
        hls,
        { rungs: [rung], audio: ladder.audio as Hls.Audio | undefined, master: "" },
        name,
        path,
        {},
      );
      const bytes = await Storage.upload(r.key, path, contentTypes.mp4);
      const built = { name, width: r.width, height: r.height, key: r.key, bytes };
      await Storage.putText(
        ObjectKeys.builtDownload(id, name),
        JSON.stringify(built),
        "application/json",
      );
    });
  }

  /** Adds the download to the done set; the one that completes it claims the finish. */
  async function record(video: VideoItem, name: string) {
    const done = await Join.record(video, { downloadsDone: [name] });
    if (done === undefined) return "settled" as const;
    if (done < planOf(video).renditions.length) return "recorded" as const;
    return Join.once(video, "finishStartedAt", finish);
  }

  /** `ready` (which publishes `video.ready`) with every download, then `work/` goes. */
  async function finish(video: VideoItem) {
    const id = video.videoId;
    const plan = planOf(video);
    const ladder = Ladder.parse(JSON.parse(await Storage.getText(ObjectKeys.stitchedLadder(id))));
    const renditions = await Promise.all(
      plan.renditions.map(async (r) =>
        Built.parse(JSON.parse(await Storage.getText(ObjectKeys.builtDownload(id, r.name)))),
      ),
    );
    const audio = ladder.audio;
    const outcome = await Ingest.complete(
      video,
      {
        probe: video.probe!,
        report: { transcoder: "ffmpeg", chunks: video.chunks },
        renditions,
        thumbnails: plan.thumbnails.map(({ width, height, key }) => ({ width, height, key })),
        hls: {
          masterKey: plan.hls.masterKey,
          rungs: ladder.rungs.map((r) => ({
            name: r.name,
            width: r.width,
            height: r.height,
            bandwidth: r.peakBitrate + (audio?.peakBitrate ?? 0),
            codecs: audio ? `${r.codec},${audio.codec}` : r.codec,
          })),
        },
        storyboard: Plan.storyboardInfo(plan),
      },
      // The chunk worker may not delete under media/: a deleted video's tombstone has the sweep do it.
      { removeIfDeleted: false },
    );
    if (outcome === "ready") await Storage.removePrefixes([ObjectKeys.workPrefix(id)]);
    return outcome === "ready" ? ("finished" as const) : ("lost" as const);
  }
}
