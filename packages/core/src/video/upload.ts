import { conditional } from "../conditional";
import { Dynamo } from "../dynamo";
import { notFound, VisibleError } from "../error";
import { createId } from "../id";
import { Lifecycle } from "../lifecycle";
import { Multipart, Storage } from "../storage";
import { Video } from "./index";
import { VideoMoves } from "./moves";
import { CompleteInput, SignedPart, SignPartsInput, UploadedPart, type VideoItem } from "./schema";

/** The video schemas too, for routes that answer with the video. */
export { Video };

/**
 * The multipart side of an upload: sign parts, list them to resume, complete, abort. Every
 * call is owner-scoped through `Video.owned`, and every refusal is a VisibleError: a client
 * can reach none of S3's errors as a 500.
 */
export namespace VideoUpload {
  export const Schema = { SignPartsInput, CompleteInput, SignedPart, UploadedPart };

  type Multipart = VideoItem & { uploadId: string; partCount: number };

  async function multipart(videoId: string): Promise<Multipart> {
    const video = await Video.owned(videoId);
    if (!video.uploadId || !video.partCount) {
      throw new VisibleError(
        "conflict",
        "not_multipart",
        "This upload is a presigned POST, not a multipart upload",
      );
    }
    return video as Multipart;
  }

  /** The video, if it is a multipart upload that still takes parts. */
  async function open(videoId: string): Promise<Multipart> {
    const video = await multipart(videoId);
    if (video.uploadCompletedAt !== undefined || video.status !== "awaiting_upload") {
      if (video.status === "cancelled") {
        throw new VisibleError("conflict", "upload_cancelled", "This upload was aborted");
      }
      if (video.status === "expired" && video.uploadCompletedAt === undefined) {
        throw new VisibleError("conflict", "upload_expired", "This upload expired unfinished");
      }
      throw new VisibleError("conflict", "upload_completed", "This upload is already complete");
    }
    return video as Multipart;
  }

  const beyond = (video: Multipart, numbers: number[]) => {
    const bad = numbers.find((n) => n > video.partCount);
    if (bad !== undefined) {
      throw new VisibleError(
        "input",
        "invalid_part_number",
        `Part ${bad} is beyond this upload's ${video.partCount} parts`,
      );
    }
  };

  export async function sign(videoId: string, input: unknown) {
    const { partNumbers } = SignPartsInput.parse(input);
    const video = await open(videoId);
    beyond(video, partNumbers);
    const parts = await Promise.all(
      partNumbers.map((partNumber) =>
        Multipart.presignPart({ key: video.sourceKey, uploadId: video.uploadId, partNumber }),
      ),
    );
    return { parts };
  }

  /** What S3 holds so far, so a client that lost everything but the id can resume. */
  export async function parts(videoId: string) {
    const video = await open(videoId);
    return { parts: await Multipart.listParts({ key: video.sourceKey, uploadId: video.uploadId }) };
  }

  /** Assembles the object; ingest then runs from its ObjectCreated event, as for a POST. */
  export async function complete(videoId: string, input: unknown) {
    const { parts } = CompleteInput.parse(input);
    const video = await open(videoId);
    beyond(
      video,
      parts.map((p) => p.partNumber),
    );
    parts.forEach((part, i) => {
      if (i > 0 && part.partNumber <= (parts[i - 1]?.partNumber ?? 0)) {
        throw new VisibleError(
          "input",
          "invalid_part_order",
          "Parts must be listed once each, in ascending order",
        );
      }
    });
    const at = Date.now();
    // The claim comes before S3 is asked: exactly one completion (or an abort) goes ahead.
    const claimed = await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .set({ completingUntil: at + claimMs })
        .composite({ owner: video.owner })
        .where(
          (attr, op) =>
            `${op.eq(attr.status, "awaiting_upload")} AND ${op.notExists(attr.uploadCompletedAt)} AND ${unclaimed(attr, op, at)}`,
        )
        .go(),
    );
    if (!claimed) throw await lost(video.videoId);
    try {
      await Multipart.complete({ key: video.sourceKey, uploadId: video.uploadId, parts });
    } catch (error) {
      await release(video, at);
      // A completion from a claim that ran out won: S3 forgot the upload; the object exists.
      if (error instanceof VisibleError && error.code === "upload_not_found") {
        if (await Storage.head(video.sourceKey)) {
          throw new VisibleError("conflict", "upload_completed", "This upload is already complete");
        }
      }
      throw error;
    }
    const recorded = await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .set({ uploadCompletedAt: Date.now() })
        .remove(["completingUntil"])
        .composite({ owner: video.owner })
        .go(),
    );
    // Deleted meanwhile: its tombstone has the sweep remove the object just made.
    if (!recorded) throw notFound("Video");
    // A history line, not a status change: the video stays awaiting_upload until ingest leases it.
    await Dynamo.entities.videoEvent
      .put({
        videoId: video.videoId,
        eventId: createId("event", at),
        type: "upload_completed",
        at,
        detail: { parts: parts.length },
      })
      .go();
    return Video.get(video.videoId);
  }

  /**
   * Frees the parts and ends the video `cancelled`. Aborting again answers the same. The status
   * changes first, and only while no completion holds its claim, so a racing `complete` and abort
   * cannot both go ahead: whichever wrote first wins, the other answers 409.
   */
  export async function abort(videoId: string) {
    const found = await Video.owned(videoId);
    if (found.sourceUrl) {
      const { VideoFetch } = await import("./fetch");
      return VideoFetch.cancel(found);
    }
    const video = await multipart(videoId);
    if (video.status !== "cancelled") {
      const abortable = ["awaiting_upload", "expired"].includes(video.status);
      if (!abortable || video.uploadCompletedAt !== undefined) throw completed();
      const now = Date.now();
      const cancelled = await Lifecycle.move(Lifecycle.video, video, VideoMoves.cancel, {
        detail: { reason: "multipart upload aborted" },
        where: (attr, op) =>
          `${op.notExists(attr.uploadCompletedAt)} AND ${unclaimed(attr, op, now)}`,
        now,
      });
      if (!cancelled) {
        const error = await lost(videoId);
        if (error.code !== "upload_cancelled") throw error;
      }
    }
    try {
      await Multipart.abort({ key: video.sourceKey, uploadId: video.uploadId });
    } catch (error) {
      // Already gone (a lifecycle abort, or an earlier abort): nothing left to free.
      if (!(error instanceof VisibleError && error.code === "upload_not_found")) throw error;
    }
    return Video.get(videoId);
  }

  /** Longer than the API's 30 s timeout: a claim this old belongs to a dead request. */
  const claimMs = 60_000;

  type Op = { notExists(a: unknown): string; lt(a: unknown, v: unknown): string };
  const unclaimed = (attr: Record<string, unknown>, op: Op, now: number) =>
    `(${op.notExists(attr.completingUntil)} OR ${op.lt(attr.completingUntil, now)})`;

  const completed = () =>
    new VisibleError("conflict", "upload_completed", "This upload is already complete");

  /** Why a claim or an abort lost: the upload was aborted, or a completion got there first. */
  async function lost(videoId: string): Promise<VisibleError> {
    const now = await Video.owned(videoId);
    if (now.status === "cancelled") {
      return new VisibleError("conflict", "upload_cancelled", "This upload was aborted");
    }
    return completed();
  }

  /** Gives the claim back after S3 refused the completion, so a corrected one may follow. */
  async function release(video: VideoItem, at: number) {
    await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .remove(["completingUntil"])
        .composite({ owner: video.owner })
        .where((attr, op) => op.eq(attr.completingUntil, at + claimMs))
        .go(),
    );
  }
}
