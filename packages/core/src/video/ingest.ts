import { join } from "node:path";
import { conditional } from "../conditional";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";
import { logger } from "../log";
import { ChunkTranscode, MediaError, Plan, Probe, transcoder, withWorkDir } from "../media";
import { Charges } from "../quota/charges";
import { ObjectKeys, Storage } from "../storage";
import { VideoAudio } from "./audio";
import { Chunked } from "./chunked";
import { Outcome } from "./outcome";
import type { VideoItem } from "./schema";

/**
 * The ingest pipeline for one uploaded source: refuse what must not be processed, lease,
 * re-check, move the source out of the presign's reach, probe, transcode, finish. Input problems
 * end as `rejected`, processing problems as `failed` once attempts run out; neither ever retries
 * forever. Imports run one way: this entry -> the path (a single run here, or `Chunked`) ->
 * `Outcome`, which owns every end of a video -> the lifecycle.
 */
export namespace Ingest {
  type Result = Outcome.Result;

  export async function run(videoId: string, now = Date.now()): Promise<Result> {
    const log = logger().child({ videoId });
    const found = await Outcome.load(videoId);
    const uploadKey = ObjectKeys.source(videoId);
    if (!found) {
      // A deleted or unknown video: its upload must not linger.
      log.info("upload for no video; deleting it");
      await Storage.remove(uploadKey);
      return "missing";
    }
    if (found.status === "awaiting_upload" || found.status === "expired") {
      const head = await Storage.head(uploadKey);
      // S3 refuses a POST after the policy expires; the local stand-in does not, so refuse here.
      if (head?.lastModified !== undefined && head.lastModified > found.uploadExpiresAt) {
        log.info(
          { at: head.lastModified },
          "upload arrived after the presign expired; deleting it",
        );
        await Storage.remove(uploadKey);
        if (found.status === "awaiting_upload") {
          await Outcome.expire(found, "upload arrived too late", now);
        }
        return "expired";
      }
    }
    const video = await Outcome.lease(found, now);
    if (typeof video === "string") {
      if (video === "missing" || video === "busy" || video === "settled") {
        log.info({ outcome: video }, "nothing to do for this event");
        // A re-post to a settled video's presign must not stay; a live lease owns its upload.
        if (video !== "busy") await Storage.remove(uploadKey);
      }
      return video;
    }
    try {
      return await process(video);
    } catch (error) {
      if (error instanceof MediaError && error.permanent) {
        return Outcome.reject(video, error.code, error.message);
      }
      // Past the split's cap a retry would only write as much again.
      if (error instanceof MediaError && error.code === ChunkTranscode.cappedCode) {
        return Outcome.fail(video, error.code, error.message);
      }
      log.error({ err: error, attempt: video.attempts }, "ingest failed");
      if ((video.attempts ?? 0) >= Config.get().RUSHES_MAX_ATTEMPTS) {
        const e = error as Error & { code?: string };
        return Outcome.fail(
          video,
          e instanceof MediaError ? e.code : "processing_error",
          e.message.slice(0, 500),
        );
      }
      // Expire our own lease so the retried event (or the sweep) can take the video over at once.
      await Outcome.retrySoon(video, (error as Error).message);
      throw error;
    }
  }

  async function process(video: VideoItem): Promise<Result> {
    const source = await validatedSource(video);
    if (typeof source === "string") return source;
    const { RUSHES_THUMBNAIL_WIDTHS: widths } = Config.get();
    return withWorkDir(async (dir) => {
      const adapter = transcoder();
      // A large source is probed by ranges: long MP4/MOV footage then fans out to chunk workers
      // that read their own stretches, and never comes down whole, so no /tmp bounds it. A small
      // one comes down in one GET, which is cheaper than a probe by ranges.
      let probed: Probe.Details | undefined;
      if (adapter.kind === "ffmpeg" && source.bytes >= Config.get().RUSHES_RANGED_READ_BYTES) {
        probed = await Probe.details(await Storage.presignRead(source.key), {
          bytes: source.bytes,
        });
        const probe = Probe.Info.parse(probed);
        await chargeMinutes(video, probe);
        if (Chunked.applies(probe) && Chunked.ranged(probe)) {
          const started = await Chunked.startRanged(video, probe, {
            ...probed,
            bytes: source.bytes,
          });
          if (started !== undefined) return started;
        }
      }
      // What the transcode needs in /tmp is the adapter's business (ffmpeg needs far more).
      const shortage = await adapter.scratchShortage(dir, source.bytes);
      if (shortage) return Outcome.fail(video, "insufficient_storage", shortage);
      const sourcePath = join(dir, "source");
      await Storage.download(source.key, sourcePath);
      const probe = probed ? Probe.Info.parse(probed) : await Probe.file(sourcePath);
      if (!probed) await chargeMinutes(video, probe);
      // Long footage in other containers is split first (MediaConvert parallelises itself).
      if (adapter.kind === "ffmpeg" && Chunked.applies(probe)) {
        const started = await Chunked.start(video, sourcePath, probe, dir);
        if (started !== undefined) return started;
      }
      const planned = await VideoAudio.measure(video, sourcePath, probe);
      // MediaConvert normalises to the target itself (media/mediaconvert/job.ts), and plays at
      // ready, on the 6 s grid; ffmpeg's one run plays while it encodes, so it cuts 2 s segments.
      const plan = Plan.forVideo(
        video.videoId,
        probe,
        widths,
        VideoAudio.normalize(planned),
        adapter.kind === "ffmpeg" ? Plan.oneRunSegmentSeconds : Plan.segmentSeconds,
      );
      const outcome = await adapter.transcode({
        videoId: video.videoId,
        bucket: Storage.bucket(),
        sourceKey: source.key,
        sourcePath,
        workDir: dir,
        probe,
        plan,
        progress: { onPlayable: () => Outcome.playable(video) },
      });
      if (outcome.kind === "submitted") {
        const loudness = planned && { input: planned.input, targetLufs: planned.targetLufs };
        return Outcome.submitted(video, {
          jobId: outcome.jobId,
          probe,
          report: outcome.report,
          audio: VideoAudio.info(loudness, undefined),
        });
      }
      return Outcome.complete(video, {
        probe: Outcome.toProbe(probe),
        renditions: outcome.renditions,
        thumbnails: outcome.thumbnails,
        hls: outcome.hls,
        storyboard: outcome.storyboard,
        audio: VideoAudio.info(planned, outcome.audio),
        report: outcome.report,
      });
    });
  }

  /** The daily source-minutes quota, counted once the duration is known; over it, `rejected`. */
  async function chargeMinutes(video: VideoItem, probe: Probe.Info) {
    try {
      await Charges.source(video, probe.durationMs);
    } catch (error) {
      if (error instanceof VisibleError && error.code === "quota_exceeded") {
        throw new MediaError(error.code, error.message, true);
      }
      throw error;
    }
  }

  /**
   * Re-checks size and type (the local stand-in does not enforce the POST policy), then moves
   * the upload to `sources/`: copy, point the record at the copy, delete the upload. A retry
   * after a crash anywhere in that finds either the upload or the record pointing at the copy.
   */
  async function validatedSource(
    video: VideoItem,
  ): Promise<{ key: string; bytes: number } | Result> {
    const { RUSHES_MAX_UPLOAD_BYTES: max } = Config.get();
    const original = ObjectKeys.original(video.videoId);
    const upload = ObjectKeys.source(video.videoId);
    if (video.sourceKey === original) {
      const moved = await Storage.head(original);
      if (!moved) return Outcome.fail(video, "source_missing", "The uploaded object is gone");
      await Storage.remove(upload);
      return { key: original, bytes: moved.bytes };
    }
    const head = await Storage.head(upload);
    if (!head) return Outcome.fail(video, "source_missing", "The uploaded object is gone");
    if (head.bytes === 0) return Outcome.reject(video, "empty", "The upload is empty");
    if (head.bytes > video.bytes || head.bytes > max) {
      return Outcome.reject(
        video,
        "too_large",
        `The upload has ${head.bytes} bytes; ${Math.min(video.bytes, max)} were allowed`,
      );
    }
    if (head.contentType.toLowerCase() !== video.contentType) {
      return Outcome.reject(
        video,
        "content_type_mismatch",
        `Uploaded as ${head.contentType}, declared ${video.contentType}`,
      );
    }
    await Storage.copy(upload, original, { etag: head.etag, bytes: head.bytes });
    // Not a status change: where the source now lives, while our lease holds.
    const pointed = await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .set({ sourceKey: original })
        .composite({ owner: video.owner })
        .where((a, op) => op.eq(a.status, "processing"))
        .go(),
    );
    if (!pointed) {
      await Outcome.removeIfDeleted(video.videoId);
      return "lost";
    }
    await Storage.remove(upload);
    await Charges.stored(video, head.bytes);
    return { key: original, bytes: head.bytes };
  }
}
