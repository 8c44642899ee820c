import { conditional } from "../conditional";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { logger } from "../log";
import { ObjectKeys, Storage } from "../storage";
import { Quota } from "./index";

/**
 * What one video costs its owner, recorded on the video (so an operator sees who spent what)
 * and summed into the owner's hourly usage: processing per step, bytes stored, source minutes.
 */
export namespace Charges {
  type Video = { videoId: string; owner: string };

  /** The memory a step runs with: Lambda's own, else RUSHES_LOCAL_MEMORY_MB. */
  export function memoryMb() {
    const lambda = Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
    return lambda > 0 ? lambda : Config.get().RUSHES_LOCAL_MEMORY_MB;
  }

  /**
   * Runs one processing step for `videoId` and records its GB-seconds, even when it throws;
   * not when `counts` says the step found nothing to do (a duplicate event), which leaves the
   * record as it was.
   */
  export async function measure<T>(
    videoId: string,
    step: string,
    work: () => Promise<T>,
    counts: (result: T) => boolean = () => true,
  ) {
    const started = performance.now();
    let result: { value: T } | undefined;
    try {
      result = { value: await work() };
      return result.value;
    } finally {
      if (!result || counts(result.value)) await record(started);
    }

    async function record(started: number) {
      const gbSeconds = (memoryMb() / 1024) * ((performance.now() - started) / 1000);
      await cost(videoId, step, { gbSeconds }).catch((error: unknown) =>
        logger().warn({ err: error, videoId, step }, "processing cost not recorded"),
      );
    }
  }

  /** Records a step's cost on the video and in its owner's usage (nothing for a deleted video). */
  export async function cost(
    videoId: string,
    step: string,
    used: { gbSeconds?: number; mediaconvertMinutes?: number },
  ) {
    const { data: video } = await Dynamo.entities.video.get({ videoId }).go();
    if (!video) return;
    const round = (n?: number) => (n === undefined ? undefined : Math.round(n * 1000) / 1000);
    const gbSeconds = round(used.gbSeconds);
    const mediaconvertMinutes = round(used.mediaconvertMinutes);
    const recorded = await conditional(
      Dynamo.entities.video
        .patch({ videoId })
        .composite({ owner: video.owner })
        .add({
          ...(gbSeconds ? { costGbSeconds: gbSeconds } : {}),
          ...(mediaconvertMinutes ? { costMediaconvertMinutes: mediaconvertMinutes } : {}),
        })
        .append({
          costSteps: [
            {
              step,
              at: Date.now(),
              ...(gbSeconds ? { gbSeconds } : {}),
              ...(mediaconvertMinutes ? { mediaconvertMinutes } : {}),
            },
          ],
        })
        .go(),
    );
    if (recorded) await Quota.charge(video.owner, { gbSeconds, mediaconvertMinutes });
  }

  /** The video now stores `delta` more bytes (a moved source, its outputs; negative when removed). */
  export async function stored(video: Video, delta: number) {
    if (!delta) return;
    const updated = await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .composite({ owner: video.owner })
        .add({ storedBytes: delta })
        .go(),
    );
    if (updated) await Quota.stored(video.owner, delta);
  }

  /** Everything the video stored is gone (deleted): its owner's count goes down. */
  export async function unstored(video: Video & { storedBytes?: number }) {
    if (video.storedBytes) await Quota.stored(video.owner, -video.storedBytes);
  }

  /** A video became ready: its outputs count as stored, its minutes as output minutes. */
  export async function outputs(video: Video, durationMs: number) {
    await stored(video, await Storage.prefixBytes(ObjectKeys.mediaPrefix(video.videoId)));
    await Quota.charge(video.owner, { outputMs: durationMs });
  }

  /**
   * Charges a probed source's minutes once per video (a retry finds them charged). Over the
   * daily quota, throws the quota error; the caller rejects the video.
   */
  export async function source(video: Video, durationMs: number) {
    const first = await conditional(
      Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .composite({ owner: video.owner })
        .set({ chargedSourceMs: durationMs })
        .where((a, op) => op.notExists(a.chargedSourceMs))
        .go(),
    );
    if (!first) return;
    try {
      await Quota.chargeSource(video.owner, durationMs);
    } catch (error) {
      await Dynamo.entities.video
        .patch({ videoId: video.videoId })
        .composite({ owner: video.owner })
        .remove(["chargedSourceMs"])
        .go()
        .catch(() => {});
      throw error;
    }
  }
}
