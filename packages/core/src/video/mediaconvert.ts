import { logger } from "../log";
import { MediaConvert } from "../media";
import { Storage } from "../storage";
import { Ingest } from "./ingest";
import { VideoState } from "./state";

/** Finishes a video whose transcode ran on MediaConvert, from its EventBridge state change. */
export namespace MediaConvertCompletion {
  export async function handle(event: Parameters<typeof MediaConvert.parseCompletion>[0]) {
    // finish() also reads the output sizes, which the event does not carry.
    const result = await MediaConvert.finish(event, Storage.bucket());
    const log = logger().child({ videoId: result.videoId, jobId: result.jobId });
    const video = await VideoState.load(result.videoId);
    // Stale, duplicate or foreign completions change nothing.
    if (video?.status !== "processing" || video.transcodeJobId !== result.jobId) {
      log.info(
        { status: video?.status },
        "ignoring completion for a video not waiting on this job",
      );
      return "ignored" as const;
    }
    if (result.status === "ERROR" || !video.probe) {
      const error = result.error ?? {
        code: "mediaconvert_error",
        message: "MediaConvert reported no outputs",
      };
      return Ingest.fail(video, error.code, error.message);
    }
    return Ingest.complete(video, {
      probe: video.probe,
      renditions: result.renditions ?? [],
      thumbnails: result.thumbnails ?? [],
      ...(result.hls ? { hls: result.hls } : {}),
    });
  }
}
