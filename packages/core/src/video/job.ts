import { logger } from "../log";
import { MediaConvert } from "../media";
import { Charges } from "../quota/charges";
import { Storage } from "../storage";
import { Outcome } from "./outcome";

/**
 * The entry for a transcode that ran on MediaConvert: its EventBridge state change finishes the
 * video. Foreign (another stage's or account's), stale and duplicate completions change nothing.
 */
export namespace Job {
  export async function complete(event: MediaConvert.JobStateChange) {
    const result = await MediaConvert.finish(event, Storage.bucket());
    if (!result) return "ignored" as const;
    const log = logger().child({ videoId: result.videoId, jobId: result.jobId });
    const video = await Outcome.load(result.videoId);
    if (!video) {
      log.info("completion for a deleted video; removing its outputs");
      await Outcome.removeIfDeleted(result.videoId);
      return "ignored" as const;
    }
    if (video.status !== "processing" || video.transcodeJobId !== result.jobId) {
      log.info({ status: video.status }, "ignoring completion for a video not waiting on this job");
      return "ignored" as const;
    }
    if (result.status === "ERROR" || !video.probe) {
      const error = result.error ?? {
        code: "mediaconvert_error",
        message: "MediaConvert reported no outputs",
      };
      return Outcome.fail(video, error.code, error.message);
    }
    // MediaConvert bills per minute of each output: every rendition and every HLS rung.
    const outputs =
      (result.renditions?.length ?? 0) + (result.hls?.rungs.length ?? 0) + (result.audio ? 1 : 0);
    await Charges.cost(video.videoId, "mediaconvert", {
      mediaconvertMinutes: (video.probe.durationMs / 60_000) * Math.max(1, outputs),
    });
    return Outcome.complete(video, {
      probe: video.probe,
      renditions: result.renditions ?? [],
      thumbnails: result.thumbnails ?? [],
      ...(result.hls ? { hls: result.hls } : {}),
      // The loudness recorded at the submit, and the `.m4a` the job wrote.
      ...(result.audio || video.audio
        ? { audio: { ...video.audio, ...(result.audio ? { download: result.audio } : {}) } }
        : {}),
      report: { transcoder: "mediaconvert", jobId: result.jobId },
    });
  }
}
