import { stat } from "node:fs/promises";
import { join } from "node:path";
import { logger } from "../../log";
import { ChunkTranscode, type Probe, withWorkDir } from "../../media";
import { contentTypes } from "../../media/transcoder";
import { ObjectKeys, Storage } from "../../storage";
import { Outcome } from "../outcome";
import type { VideoItem } from "../schema";
import { Live } from "./live";
import type { ChunkedMessage } from "./message";
import { Parts } from "./parts";
import { Stitch } from "./stitch";
import { inParallel8, planOf, putJson } from "./store";

/**
 * One chunk of a chunked transcode: encoded to every rung, straight into the ladder's final keys,
 * then recorded in the video's chunk set; the chunk that completes the set runs the stitch.
 */
export namespace Chunk {
  /**
   * `lastAttempt` is true on the receive that would otherwise go to the DLQ: a failure then
   * fails the whole video (`chunk_failed`) instead of leaving it `processing`.
   */
  export async function run(message: ChunkedMessage.Chunk, lastAttempt: boolean) {
    const { videoId, chunk } = message;
    const video = await Parts.video(videoId);
    if (video?.status !== "processing" || !video.probe) return "settled" as const;
    try {
      if (!video.chunksDone?.includes(chunk.index)) await encode(video, message);
      return await record(video, message);
    } catch (error) {
      if (!lastAttempt) throw error;
      await Outcome.fail(
        video,
        "chunk_failed",
        `Chunk ${chunk.index} failed: ${(error as Error).message.slice(0, 300)}`,
        { removeIfDeleted: false },
      );
      return "failed" as const;
    }
  }

  async function encode(video: VideoItem, message: ChunkedMessage.Chunk) {
    const { chunk } = message;
    const id = video.videoId;
    const probe = video.probe as Probe.Info;
    const plan = planOf(video);
    await withWorkDir(async (dir) => {
      let input: ChunkTranscode.Input;
      if (message.read === "source") {
        const key = video.sourceKey ?? ObjectKeys.original(id);
        input = {
          kind: "source",
          path: await Storage.presignRead(key),
          formatName: probe.formatName,
        };
      } else {
        const chunkPath = join(dir, "chunk.mkv");
        const audioPath = plan.hls.audio ? join(dir, "chunk.flac") : undefined;
        await Promise.all([
          Storage.download(ObjectKeys.chunk(id, chunk.index), chunkPath),
          audioPath && Storage.download(ObjectKeys.chunkAudio(id, chunk.index), audioPath),
        ]);
        input = { kind: "copy", chunkPath, ...(audioPath ? { audioPath } : {}) };
      }
      const out = join(dir, "hls");
      const encoded = await ChunkTranscode.encode(
        {
          input,
          chunk,
          sourceStartMs: message.sourceStartMs,
          rotation: message.rotation ?? 0,
          probe,
          plan,
          last: chunk.index === message.count - 1,
        },
        out,
      );
      const renditions = [...encoded.rungs, ...(encoded.audio ? [encoded.audio] : [])];
      // Every chunk's init is the same bytes (each encodes from its own zero); the first one's serves.
      const files = [
        ...renditions.flatMap((r) => [
          ...r.segments.map((s) => ({
            key: ObjectKeys.hlsFile(id, r.name, s.uri),
            path: join(out, r.name, s.uri),
            type: contentTypes.m4s,
          })),
          ...(chunk.index === 0
            ? [
                {
                  key: ObjectKeys.hlsFile(id, r.name, r.init),
                  path: join(out, r.name, r.init),
                  type: contentTypes.mp4,
                },
              ]
            : []),
        ]),
        ...encoded.tiles.map((t) => ({
          key: ObjectKeys.storyboardTile(id, t.index),
          path: t.path,
          type: contentTypes.jpg,
        })),
        ...(encoded.thumbnails ?? []).map((path, i) => ({
          key: plan.thumbnails[i]!.key,
          path,
          type: contentTypes.jpg,
        })),
      ];
      await inParallel8(files, ({ key, path, type }) => Storage.upload(key, path, type));
      const manifest: ChunkedMessage.Manifest = { rungs: [] };
      for (const rung of encoded.rungs) {
        const segments = [];
        for (const s of rung.segments) {
          segments.push({ ...s, bytes: (await stat(join(out, rung.name, s.uri))).size });
        }
        manifest.rungs.push({
          name: rung.name,
          codec: rung.codec,
          width: rung.width,
          height: rung.height,
          init: rung.init,
          segments,
        });
      }
      if (encoded.audio) manifest.audio = encoded.audio;
      await putJson(ObjectKeys.chunkManifest(id, chunk.index), manifest);
    });
  }

  /**
   * Adds the chunk to the done set (a set: a redelivered chunk counts once). If that completes
   * the set, claims the stitch with a conditional write, so exactly one worker stitches; a claim
   * older than the processing timeout (its stitcher died) may be taken over.
   */
  async function record(video: VideoItem, message: ChunkedMessage.Chunk) {
    const done = await Parts.record(video, { chunksDone: [message.chunk.index] });
    if (done === undefined) return "settled" as const;
    if (done < message.count) {
      // Playback while the rest encodes; a failure here costs only freshness, never the chunk.
      await Live.publish(video.videoId).catch((error: unknown) =>
        logger().warn({ err: error, videoId: video.videoId }, "live playlists not published"),
      );
      return "recorded" as const;
    }
    return Parts.once(video, "stitchStartedAt", Stitch.run);
  }
}
