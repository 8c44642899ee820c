import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { Resource } from "sst";
import * as z from "zod";
import { Aws } from "../aws";
import { Config } from "../config";
import { Lifecycle } from "../lifecycle";
import { logger } from "../log";
import {
  Chunks,
  ChunkTranscode,
  Ffmpeg,
  Hls,
  Plan,
  type Probe,
  Storyboard,
  withWorkDir,
} from "../media";
import { contentTypes } from "../media/transcoder";
import { inParallel } from "../parallel";
import { ObjectKeys, Storage } from "../storage";
import { ChunkedDownloads } from "./chunked-downloads";
import { Ingest } from "./ingest";
import { Join } from "./join";
import { VideoMoves } from "./moves";
import type { VideoItem } from "./schema";

/**
 * The chunked transcode of a long source: ingest splits it and fans the chunks out over the
 * chunk queue; each chunk worker encodes its stretch to every rung, straight into the ladder's
 * final keys; the worker that completes the set (a conditional write decides) stitches the
 * playlists and the MP4 downloads and marks the video `ready`.
 */
export namespace Chunked {
  export const ChunkMessage = z.object({
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
  export type ChunkMessage = z.infer<typeof ChunkMessage>;

  /** What the chunk queue carries: a chunk to encode, or then one MP4 download to build. */
  export const Message = z.union([ChunkMessage, ChunkedDownloads.Message]);
  export type Message = z.infer<typeof Message>;

  const Segment = z.object({ uri: z.string(), duration: z.number(), bytes: z.number() });

  /** What a chunk worker leaves for the stitch: its segments per rung and of the audio, with sizes. */
  const Manifest = z.object({
    rungs: z.array(
      z.object({
        name: z.string(),
        codec: z.string(),
        width: z.number(),
        height: z.number(),
        init: z.string(),
        segments: z.array(Segment),
      }),
    ),
    audio: z
      .object({
        name: z.string(),
        codec: z.string(),
        channels: z.number(),
        init: z.string(),
        segments: z.array(Segment),
      })
      .optional(),
  });
  type Manifest = z.infer<typeof Manifest>;

  /** Whether a source takes this path: rotated ones too (the message carries the rotation). */
  export function applies(probe: Probe.Info): boolean {
    return Chunks.splits(probe.durationMs, Config.get().RUSHES_CHUNK_SECONDS);
  }

  /**
   * Whether the chunk workers can read their stretches straight from the stored source: an
   * MP4/MOV, whose index lets ffmpeg seek by byte ranges and times every audio sample exactly.
   * Other containers are split first (`start`).
   */
  export function ranged(probe: Probe.Info): boolean {
    return Ffmpeg.demuxer(probe.formatName) === "mov";
  }

  /**
   * Ingest's part for a long MP4/MOV (probed by ranges, lease held): plan on the segment grid
   * and fan out. Nothing is downloaded, copied or uploaded: each worker reads its own stretch of
   * the source (and seeks to the keyframe before it), and makes its own audio, storyboard tiles
   * and, if its stretch holds their instant, the thumbnails.
   */
  export async function startRanged(
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
    return fanOut(video, probe, chunks, { sourceStartMs: source.startMs, read: "source" });
  }

  /**
   * Ingest's part for a long source in another container (downloaded and probed, lease held):
   * list its keyframes, split it into stream copies and exact audio cuts, upload them, fan out.
   */
  export async function start(
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
    const split = await ChunkTranscode.split({ sourcePath, probe, plan, chunks }, dir);
    const id = video.videoId;
    await inParallel8(
      [
        ...split.chunks.map((path, i) => ({
          key: ObjectKeys.chunk(id, i),
          path,
          type: "video/x-matroska",
        })),
        ...(split.audio ?? []).map((path, i) => ({
          key: ObjectKeys.chunkAudio(id, i),
          path,
          type: "audio/flac",
        })),
      ],
      ({ key, path, type }) => Storage.upload(key, path, type),
    );
    return fanOut(video, probe, chunks, { sourceStartMs: startMs, read: "copy" });
  }

  /** Records the chunk count, writes the storyboard's cues, then one message per chunk. */
  async function fanOut(
    video: VideoItem,
    probe: Probe.Info,
    chunks: Chunks.Chunk[],
    how: { sourceStartMs: number; read: "source" | "copy" },
  ) {
    const id = video.videoId;
    const plan = Plan.forVideo(id, probe, Config.get().RUSHES_THUMBNAIL_WIDTHS);
    await Storage.putText(
      plan.storyboard.key,
      Storyboard.vtt(plan.storyboard, probe.durationMs),
      contentTypes.vtt,
    );
    const recorded = await Lifecycle.move(Lifecycle.video, video, VideoMoves.chunk, {
      set: { probe: Ingest.toProbe(probe), chunks: chunks.length },
      detail: {
        chunked: chunks.length,
        /** Where each chunk after the first starts: the joins a viewer could notice. */
        joinsMs: chunks.slice(1).map((c) => c.startMs),
        read: how.read,
        keyframeAligned: chunks.filter((c) => c.readFromMs === c.startMs).length,
      },
    });
    if (!recorded) return "lost" as const;
    const sqs = await Aws.sqs();
    for (let i = 0; i < chunks.length; i += 10) {
      const batch = chunks.slice(i, i + 10);
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: Resource.ChunkQueue.url,
          Entries: batch.map((chunk) => ({
            Id: String(chunk.index),
            MessageBody: JSON.stringify({
              videoId: id,
              count: chunks.length,
              sourceStartMs: how.sourceStartMs,
              chunk,
              read: how.read,
              ...(probe.rotation ? { rotation: probe.rotation } : {}),
            } satisfies ChunkMessage),
          })),
        }),
      );
      if (out.Failed?.length)
        throw new Error(`chunk messages not sent: ${out.Failed.map((f) => f.Code).join(", ")}`);
    }
    logger().info({ videoId: id, chunks: chunks.length, read: how.read }, "chunked: fanned out");
    return "chunked" as const;
  }

  /**
   * One chunk message. `lastAttempt` is true on the receive that would otherwise go to the DLQ:
   * a failure then fails the whole video (`chunk_failed`) instead of leaving it `processing`.
   */
  export async function run(message: Message, lastAttempt: boolean) {
    if ("download" in message) return ChunkedDownloads.run(message, lastAttempt);
    const { videoId, chunk } = message;
    const video = await Lifecycle.video.load(videoId);
    if (video?.status !== "processing" || !video.probe) return "settled" as const;
    try {
      if (!video.chunksDone?.includes(chunk.index)) await encode(video, message);
      return await record(video, message);
    } catch (error) {
      if (!lastAttempt) throw error;
      await Ingest.fail(
        video,
        "chunk_failed",
        `Chunk ${chunk.index} failed: ${(error as Error).message.slice(0, 300)}`,
        { removeIfDeleted: false },
      );
      return "failed" as const;
    }
  }

  /** The longest a failed chunk waits: far below the chunk queue's visibility timeout. */
  const maxRetrySeconds = 300;

  /**
   * How long a failed chunk stays hidden: `baseSeconds` after its first receive, twice that after
   * its second, and so on up to `maxRetrySeconds`; the upper half is random, so chunks that
   * failed together (a throttled bucket) do not all come back at once.
   */
  export function retryDelaySeconds(receives: number, baseSeconds: number, random = Math.random) {
    const full = Math.min(baseSeconds * 2 ** Math.max(0, receives - 1), maxRetrySeconds);
    return Math.max(1, Math.ceil(full / 2 + random() * (full / 2)));
  }

  /**
   * Brings a failed chunk's next receive forward: SQS would otherwise hide it for the whole
   * visibility timeout (6 × the worker's timeout, an hour in AWS), which is there for a worker
   * that is killed and so never gets to call this.
   */
  export async function retrySoon(receiptHandle: string, receives: number) {
    const seconds = retryDelaySeconds(receives, Config.get().RUSHES_CHUNK_RETRY_SECONDS);
    await (await Aws.sqs()).send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: Resource.ChunkQueue.url,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
    return seconds;
  }

  async function encode(video: VideoItem, message: ChunkMessage) {
    const { chunk } = message;
    const id = video.videoId;
    const probe = video.probe as Probe.Info;
    const plan = Plan.forVideo(id, probe, Config.get().RUSHES_THUMBNAIL_WIDTHS);
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
      const manifest: Manifest = { rungs: [] };
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
  async function record(video: VideoItem, message: ChunkMessage) {
    const done = await Join.record(video, { chunksDone: [message.chunk.index] });
    if (done === undefined) return "settled" as const;
    if (done < message.count) return "recorded" as const;
    return Join.once(video, "stitchStartedAt", stitch);
  }

  /**
   * Playlists, master and storyboard sheets, then the MP4 downloads are handed to their own jobs
   * (`ChunkedDownloads`), the last of which marks the video `ready`.
   */
  export async function stitch(video: VideoItem) {
    const id = video.videoId;
    const probe = video.probe as Probe.Info;
    const plan = Plan.forVideo(id, probe, Config.get().RUSHES_THUMBNAIL_WIDTHS);
    const ladder = await withWorkDir(async (dir) => {
      const manifests: Manifest[] = [];
      await inParallel8(
        Array.from({ length: video.chunks ?? 0 }, (_, i) => i),
        async (i) => {
          manifests[i] = Manifest.parse(
            JSON.parse(await Storage.getText(ObjectKeys.chunkManifest(id, i))),
          );
        },
      );
      const rungs = ChunkTranscode.joinLadder(manifests);
      const audio = plan.hls.audio ? ChunkTranscode.joinAudio(manifests) : undefined;
      for (const rung of [...rungs, ...(audio ? [audio] : [])]) {
        const path = join(dir, `${rung.name}.m3u8`);
        await writeFile(path, ChunkTranscode.playlist(rung, plan.hls.segmentSeconds));
        await Storage.upload(
          ObjectKeys.hlsFile(id, rung.name, Hls.playlistName),
          path,
          contentTypes.m3u8,
        );
      }
      const masterPath = join(dir, Hls.masterName);
      await writeFile(masterPath, Hls.master(rungs, audio));
      await Storage.upload(plan.hls.masterKey, masterPath, contentTypes.m3u8);

      // The storyboard's sheets from the tiles every chunk made.
      const sb = plan.storyboard;
      const tiles = join(dir, "tiles");
      const sheets = join(dir, "sheets");
      await Promise.all([mkdir(tiles, { recursive: true }), mkdir(sheets, { recursive: true })]);
      await inParallel8(
        Array.from({ length: sb.count }, (_, i) => i),
        (i) =>
          Storage.download(
            ObjectKeys.storyboardTile(id, i),
            join(tiles, Storyboard.sheetName(i)),
          ).catch(
            // A tile a chunk did not make (its stretch ended early): the sheets repeat the one before.
            (error: unknown) => {
              if ((error as Error).name !== "NoSuchKey") throw error;
            },
          ),
      );
      await Storyboard.sheetsFromTiles(sb, tiles, sheets);
      await inParallel8(sb.sheets, (key, i) =>
        Storage.upload(key, join(sheets, Storyboard.sheetName(i)), contentTypes.jpg),
      );

      return { rungs, audio };
    });
    return ChunkedDownloads.fanOut(video, ladder);
  }

  /** Eight at a time: S3 takes parallel requests well, and a chunk has dozens of files. */
  const inParallel8 = <T>(
    items: readonly T[],
    task: (item: T, index: number) => Promise<unknown>,
  ) => inParallel(items, 8, task);

  const putJson = (key: string, value: unknown) =>
    Storage.putText(key, JSON.stringify(value), "application/json");
}
