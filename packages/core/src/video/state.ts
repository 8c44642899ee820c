import { conditional } from "../conditional";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { createId } from "../id";
import { logger } from "../log";
import type { Status, VideoItem } from "./schema";

type Patch = Partial<
  Pick<
    VideoItem,
    | "error"
    | "probe"
    | "renditions"
    | "thumbnails"
    | "endsAt"
    | "transcodeJobId"
    | "processingStartedAt"
  >
>;

/**
 * The video state machine. Every status change is a conditional write on the expected current
 * status, so duplicate and reordered events lose the race harmlessly; each change that wins
 * appends a history event. (DynamoDB transactions would make the pair atomic, but the local
 * stand-in has none; a lost history line is the worst case, never a wrong status.)
 */
export namespace VideoState {
  export async function load(videoId: string): Promise<VideoItem | undefined> {
    const { data } = await Dynamo.entities.video.get({ videoId }).go();
    return data ?? undefined;
  }

  export async function record(videoId: string, type: string, detail?: unknown, at = Date.now()) {
    await Dynamo.entities.videoEvent
      .create({ videoId, eventId: createId("event", at), type, at, detail })
      .go();
  }

  /** Moves `from` → `to` if the stored status is still one of `from`; undefined if it lost. */
  export async function transition(
    video: Pick<VideoItem, "videoId" | "owner">,
    change: { from: readonly Status[]; to: Status; set?: Patch; detail?: unknown },
  ): Promise<VideoItem | undefined> {
    const written = await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .set({ status: change.to, ...change.set })
        .composite({ owner: video.owner })
        .where((attr, op) => change.from.map((s) => op.eq(attr.status, s)).join(" OR "))
        .go({ response: "all_new" }),
    );
    if (!written) return undefined;
    await record(video.videoId, change.to, change.detail);
    return written.data as VideoItem;
  }

  export type LeaseResult =
    | { outcome: "leased"; video: VideoItem }
    | { outcome: "missing" | "busy" | "settled" }
    | { outcome: "exhausted"; video: VideoItem };

  /**
   * Takes the processing lease: from awaiting_upload (or expired: S3 checked the policy when
   * the bytes arrived, so a late event still counts), or from a processing lease that outlived
   * RUSHES_PROCESSING_TIMEOUT_SECONDS because its worker died. Attempts are bounded.
   */
  export async function lease(videoId: string, now = Date.now()): Promise<LeaseResult> {
    const video = await load(videoId);
    if (!video) return { outcome: "missing" };
    const { RUSHES_PROCESSING_TIMEOUT_SECONDS: timeout, RUSHES_MAX_ATTEMPTS: max } = Config.get();
    const staleBefore = now - timeout * 1000;
    const attempts = video.attempts ?? 0;
    if (attempts >= max) {
      if (video.status === "processing" && (video.processingStartedAt ?? 0) < staleBefore) {
        return { outcome: "exhausted", video };
      }
      return { outcome: video.status === "processing" ? "busy" : "settled" };
    }
    const written = await conditional(
      Dynamo.entities.video
        .patch({ videoId })
        .set({ status: "processing", processingStartedAt: now })
        .add({ attempts: 1 })
        .composite({ owner: video.owner })
        .where(
          (attr, op) =>
            `(${op.eq(attr.status, "awaiting_upload")} OR ${op.eq(attr.status, "expired")} OR (${op.eq(
              attr.status,
              "processing",
            )} AND ${op.lt(attr.processingStartedAt, staleBefore)})) AND ${op.lt(attr.attempts, max)}`,
        )
        .go({ response: "all_new" }),
    );
    if (!written) {
      const current = await load(videoId);
      logger().info({ videoId, status: current?.status }, "lease not taken");
      if (!current) return { outcome: "missing" };
      return { outcome: current.status === "processing" ? "busy" : "settled" };
    }
    const leased = written.data as VideoItem;
    await record(videoId, "processing", { attempt: leased.attempts, previous: video.status });
    return { outcome: "leased", video: leased };
  }
}
