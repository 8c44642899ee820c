import { Config } from "../../config";
import { Plan, type Probe } from "../../media";
import { inParallel } from "../../parallel";
import { Storage } from "../../storage";
import { VideoAudio } from "../audio";
import type { VideoItem } from "../schema";

/** Eight at a time: S3 takes parallel requests well, and a chunk has dozens of files. */
export const inParallel8 = <T>(
  items: readonly T[],
  task: (item: T, index: number) => Promise<unknown>,
) => inParallel(items, 8, task);

export const putJson = (key: string, value: unknown) =>
  Storage.putText(key, JSON.stringify(value), "application/json");

export const getJson = async (key: string): Promise<unknown> =>
  JSON.parse(await Storage.getText(key));

/** The video's plan, once its probe is recorded (the chunked path records it at the fan-out). */
export const planOf = (video: VideoItem) =>
  Plan.forVideo(
    video.videoId,
    video.probe as Probe.Info,
    Config.get().RUSHES_THUMBNAIL_WIDTHS,
    // The gain measured once at the fan-out: every chunk applies the same.
    VideoAudio.recorded(video),
  );
