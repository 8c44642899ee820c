import { stat } from "node:fs/promises";
import { Config } from "../../config";
import { logger } from "../../log";
import { Chunks, ChunkTranscode, type Loudness, Plan, type Probe, Storyboard } from "../../media";
import { contentTypes } from "../../media/transcoder";
import { ObjectKeys, Storage } from "../../storage";
import { VideoAudio } from "../audio";
import { Outcome } from "../outcome";
import type { VideoItem } from "../schema";
import { ChunkedMessage } from "./message";
import { inParallel8 } from "./store";

/** Ingest's part of a chunked transcode: plan the chunks, record them, one message per chunk. */
export namespace FanOut {
  /**
   * A long MP4/MOV (probed by ranges, lease held): plan on the segment grid and fan out. Nothing
   * is downloaded, copied or uploaded: each worker reads its own stretch of the source (and
   * seeks to the keyframe before it), and makes its own audio, storyboard tiles and, if its
   * stretch holds their instant, the thumbnails.
   */
  export async function ranged(
    video: VideoItem,
    probe: Probe.Info,
    source: { startMs: number; frames?: number | undefined; bytes: number },
  ) {
    const config = Config.get();
    const plan = Plan.forVideo(video.videoId, probe, config.RUSHES_THUMBNAIL_WIDTHS);
    const chunks = Chunks.plan({
      durationMs: probe.durationMs,
      keyframesMs: [],
      chunkSeconds: config.RUSHES_CHUNK_SECONDS,
      segmentSeconds: plan.hls.segmentSeconds,
      ...(source.frames === undefined ? {} : { packets: source.frames }),
      bytes: source.bytes,
    });
    if (chunks.length < 2) return undefined;
    // The whole source measured once, through its URL (ffmpeg reads only what it demuxes).
    const planned = await VideoAudio.measure(
      video,
      await Storage.presignRead(ObjectKeys.original(video.videoId)),
      probe,
    );
    return send(video, probe, chunks, { sourceStartMs: source.startMs, read: "source", planned });
  }

  /**
   * A long source in another container (downloaded and probed, lease held): list its
   * keyframes, split it into stream copies and exact audio cuts, upload them, fan out.
   */
  export async function split(
    video: VideoItem,
    sourcePath: string,
    probe: Probe.Info,
    dir: string,
  ) {
    const config = Config.get();
    const plan = Plan.forVideo(video.videoId, probe, config.RUSHES_THUMBNAIL_WIDTHS);
    const { startMs, keyframesMs, packets } = await Chunks.keyframes(sourcePath, probe.formatName);
    const chunks = Chunks.plan({
      durationMs: probe.durationMs,
      keyframesMs,
      chunkSeconds: config.RUSHES_CHUNK_SECONDS,
      segmentSeconds: plan.hls.segmentSeconds,
      packets,
      bytes: (await stat(sourcePath)).size,
    });
    // Not worth splitting after all (Chunks.plan: next to no frames): the single run takes it.
    if (chunks.length < 2) return undefined;
    const planned = await VideoAudio.measure(video, sourcePath, probe);
    const copies = await ChunkTranscode.split({ sourcePath, probe, plan, chunks }, dir);
    const id = video.videoId;
    await inParallel8(
      [
        ...copies.chunks.map((path, i) => ({
          key: ObjectKeys.chunk(id, i),
          path,
          type: "video/x-matroska",
        })),
        ...(copies.audio ?? []).map((path, i) => ({
          key: ObjectKeys.chunkAudio(id, i),
          path,
          type: "audio/flac",
        })),
      ],
      ({ key, path, type }) => Storage.upload(key, path, type),
    );
    return send(video, probe, chunks, { sourceStartMs: startMs, read: "copy", planned });
  }

  /** Records the chunk count, writes the storyboard's cues, then one message per chunk. */
  async function send(
    video: VideoItem,
    probe: Probe.Info,
    chunks: Chunks.Chunk[],
    how: { sourceStartMs: number; read: "source" | "copy"; planned?: Loudness.Planned | undefined },
  ) {
    const id = video.videoId;
    const plan = Plan.forVideo(id, probe, Config.get().RUSHES_THUMBNAIL_WIDTHS);
    await Storage.putText(
      plan.storyboard.key,
      Storyboard.vtt(plan.storyboard, probe.durationMs),
      contentTypes.vtt,
    );
    const recorded = await Outcome.chunked(
      video,
      probe,
      chunks.length,
      {
        /** Where each chunk after the first starts: the joins a viewer could notice. */
        joinsMs: chunks.slice(1).map((c) => c.startMs),
        read: how.read,
        keyframeAligned: chunks.filter((c) => c.readFromMs === c.startMs).length,
        ...(how.planned ? { gainDb: how.planned.gainDb } : {}),
      },
      VideoAudio.info(how.planned, undefined),
    );
    if (!recorded) return "lost" as const;
    await ChunkedMessage.queue.sendBatch(
      chunks.map((chunk) => ({
        videoId: id,
        count: chunks.length,
        sourceStartMs: how.sourceStartMs,
        chunk,
        read: how.read,
        ...(probe.rotation ? { rotation: probe.rotation } : {}),
      })),
    );
    logger().info({ videoId: id, chunks: chunks.length, read: how.read }, "chunked: fanned out");
    return "chunked" as const;
  }
}
