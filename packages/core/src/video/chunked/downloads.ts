import { join } from "node:path";
import { logger } from "../../log";
import {
  AudioDownload,
  ChunkTranscode,
  contentTypes,
  FfmpegTranscoder,
  type Hls,
  Plan,
  withWorkDir,
} from "../../media";
import { inParallel } from "../../parallel";
import { ObjectKeys, Storage } from "../../storage";
import { VideoAudio } from "../audio";
import { Outcome } from "../outcome";
import type { VideoItem } from "../schema";
import { ChunkedMessage } from "./message";
import { Parts } from "./parts";
import { getJson, planOf, putJson } from "./store";

/**
 * The last stage of a chunked transcode: each MP4 download built by its own job, so the largest
 * one's bytes are the only ones on the way to `ready` (in one function, every download's segments
 * and MP4s share its bandwidth). The stitch writes the joined ladder and sends one message per
 * download on the chunk queue; each job records itself in a set (a redelivery counts once); the
 * job that completes the set, and only that one (a conditional write), marks the video `ready`.
 */
export namespace Downloads {
  const ladderOf = async (id: string) =>
    ChunkedMessage.Ladder.parse(await getJson(ObjectKeys.stitchedLadder(id)));

  /** The stitch's hand-over: the joined ladder stored, then one message per download. */
  export async function fanOut(video: VideoItem, ladder: ChunkedMessage.Ladder) {
    const id = video.videoId;
    await putJson(ObjectKeys.stitchedLadder(id), ladder);
    const renditions = planOf(video).renditions;
    if (renditions.length === 0) return finish(video);
    await ChunkedMessage.queue.sendBatch(
      renditions.map((r) => ({ videoId: id, download: r.name })),
    );
    logger().info({ videoId: id, downloads: renditions.length }, "chunked: downloads fanned out");
    return "stitched" as const;
  }

  /** One download message; on its last attempt a failure fails the video (`download_failed`). */
  export async function run(message: ChunkedMessage.Download, lastAttempt: boolean) {
    const video = await Parts.video(message.videoId);
    if (video?.status !== "processing" || !video.probe) return "settled" as const;
    try {
      if (!video.downloadsDone?.includes(message.download)) await build(video, message.download);
      return await record(video, message.download);
    } catch (error) {
      if (!lastAttempt) throw error;
      await Outcome.fail(
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
    const ladder = await ladderOf(id);
    const rung = ladder.rungs.find((x) => x.name === name);
    if (!rung) throw new Error(`No ${name} rung in the ladder`);
    await withWorkDir(async (dir) => {
      const hls = join(dir, "hls");
      for (const part of [rung, ...(ladder.audio ? [ladder.audio] : [])]) {
        const files = await ChunkTranscode.renditionPaths(part, hls);
        await inParallel(files, 8, ({ file, path }) =>
          Storage.download(ObjectKeys.hlsFile(id, part.name, file), path),
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
      await putJson(ObjectKeys.builtDownload(id, name), built);
    });
  }

  /** Adds the download to the done set; the one that completes it claims the finish. */
  async function record(video: VideoItem, name: string) {
    const done = await Parts.record(video, { downloadsDone: [name] });
    if (done === undefined) return "settled" as const;
    if (done < planOf(video).renditions.length) return "recorded" as const;
    return Parts.once(video, "finishStartedAt", finish);
  }

  /** `ready` (which publishes `video.ready`) with every download, then `work/` goes. */
  async function finish(video: VideoItem) {
    const id = video.videoId;
    const plan = planOf(video);
    const ladder = await ladderOf(id);
    const renditions = await Promise.all(
      plan.renditions.map(async (r) =>
        ChunkedMessage.Built.parse(await getJson(ObjectKeys.builtDownload(id, r.name))),
      ),
    );
    const audio = ladder.audio;
    const m4a = audio
      ? (ChunkedMessage.AudioBuilt.parse(
          await getJson(ObjectKeys.builtDownload(id, AudioDownload.name)),
        ) as AudioDownload.Stored)
      : undefined;
    const outcome = await Outcome.complete(
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
        audio: VideoAudio.info(video.audio?.loudness, m4a),
      },
      // The chunk worker may not delete under media/: a deleted video's tombstone has the sweep do it.
      { removeIfDeleted: false },
    );
    if (outcome === "ready") await Storage.removePrefixes([ObjectKeys.workPrefix(id)]);
    return outcome === "ready" ? ("finished" as const) : ("lost" as const);
  }
}
