import { conditional } from "../../conditional";
import { Config } from "../../config";
import { Dynamo } from "../../dynamo";
import { logger } from "../../log";
import { Move } from "../../move";
import type { VideoItem } from "../schema";

/**
 * The part sets of a chunked transcode: parts (chunks, then MP4 downloads) that record
 * themselves in a set on the video, so a redelivered part counts once, and a step after them
 * (the stitch, the finish) that exactly one of them runs, decided by a conditional write.
 */
export namespace Parts {
  /** The video a part belongs to, as stored (a plain read; only `Outcome` moves its status). */
  export async function video(videoId: string): Promise<VideoItem | undefined> {
    const { data } = await Dynamo.entities.video.get({ videoId }).go();
    return (data as VideoItem | null) ?? undefined;
  }

  type Part = { chunksDone: number[] } | { downloadsDone: string[] };

  /**
   * Adds the part to its set, with a heartbeat on the ingest lease: while parts finish, no sweep
   * or redelivery takes the video over; once none has for RUSHES_PROCESSING_TIMEOUT_SECONDS, one
   * may (done parts skipped), and attempts bound that like any other ingest. Returns the set's
   * size after the add, or undefined if the video is no longer processing.
   */
  export async function record(video: VideoItem, part: Part, now = Date.now()) {
    const added = await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .add(part)
        // (gsi6 needs both keys; the scope is the one the record already waits under.)
        .set({
          dueScope: video.dueScope ?? Move.scope("video", "processing"),
          dueAt: Move.leaseEnd(now),
        })
        .composite({ owner: video.owner })
        .where((a, op) => op.eq(a.status, "processing"))
        .go({ response: "all_new" }),
    );
    if (!added) return undefined;
    return "chunksDone" in part
      ? (added.data.chunksDone ?? []).length
      : (added.data.downloadsDone ?? []).length;
  }

  /**
   * Runs `step` if this caller wins its claim (`claim` unset, or older than the processing
   * timeout: its runner died); "recorded" if another holds it. A step that throws gives the
   * claim back, so the message's prompt retry can run it; only a runner that was killed leaves
   * its claim to go stale (the visibility timeout outlasts the staleness).
   */
  export async function once<T>(
    video: VideoItem,
    claim: "stitchStartedAt" | "finishStartedAt",
    step: (claimed: VideoItem) => Promise<T>,
    now = Date.now(),
  ): Promise<T | "recorded"> {
    const staleBefore = now - Config.get().RUSHES_PROCESSING_TIMEOUT_SECONDS * 1000;
    const claimed = await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .set({ [claim]: now })
        .composite({ owner: video.owner })
        .where(
          (a, op) =>
            `${op.eq(a.status, "processing")} AND (${op.notExists(a[claim])} OR ${op.lt(a[claim], staleBefore)})`,
        )
        .go({ response: "all_new" }),
    );
    if (!claimed) return "recorded";
    try {
      return await step(claimed.data as VideoItem);
    } catch (error) {
      await conditional(
        Dynamo.entities.video
          .patch({ videoId: video.videoId })
          .remove([claim])
          .composite({ owner: video.owner })
          .where((a, op) => `${op.eq(a.status, "processing")} AND ${op.eq(a[claim], now)}`)
          .go(),
      ).catch((released) => logger().warn({ err: released, claim }, "claim not released"));
      throw error;
    }
  }
}
