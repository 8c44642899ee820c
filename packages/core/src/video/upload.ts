import { conditional } from "../conditional";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";
import { createId } from "../id";
import { Lifecycle } from "../lifecycle";
import { Multipart, Storage } from "../storage";
import { Video } from "./index";
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
    try {
      await Multipart.complete({ key: video.sourceKey, uploadId: video.uploadId, parts });
    } catch (error) {
      // A concurrent completion won: S3 forgot the upload because the object now exists.
      if (error instanceof VisibleError && error.code === "upload_not_found") {
        if (await Storage.head(video.sourceKey)) {
          throw new VisibleError("conflict", "upload_completed", "This upload is already complete");
        }
      }
      throw error;
    }
    const at = Date.now();
    await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .set({ uploadCompletedAt: at })
        .composite({ owner: video.owner })
        .where((attr, op) => op.notExists(attr.uploadCompletedAt))
        .go(),
    );
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

  /** Frees the parts and ends the video `cancelled`. Aborting again answers the same. */
  export async function abort(videoId: string) {
    const video = await multipart(videoId);
    if (video.status === "cancelled") return Video.get(videoId);
    const abortable = ["awaiting_upload", "expired"].includes(video.status);
    if (!abortable || video.uploadCompletedAt !== undefined) {
      throw new VisibleError("conflict", "upload_completed", "This upload is already complete");
    }
    try {
      await Multipart.abort({ key: video.sourceKey, uploadId: video.uploadId });
    } catch (error) {
      // Already gone (a lifecycle abort, or a race with another abort): nothing left to free.
      if (!(error instanceof VisibleError && error.code === "upload_not_found")) throw error;
    }
    const cancelled = await Lifecycle.transition(Lifecycle.video, video, {
      from: ["awaiting_upload", "expired"],
      to: "cancelled",
      detail: { reason: "multipart upload aborted" },
    });
    if (!cancelled) {
      const now = await Video.owned(videoId);
      if (now.status !== "cancelled") {
        throw new VisibleError("conflict", "upload_completed", "This upload is already complete");
      }
    }
    return Video.get(videoId);
  }
}
