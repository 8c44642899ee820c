import { Config } from "../config";
import { FfmpegTranscoder } from "./ffmpeg/transcoder";
import { MediaConvert } from "./mediaconvert/mediaconvert";
import type { Transcoder } from "./transcoder";

/** The adapter named by RUSHES_TRANSCODER (ffmpeg unless told otherwise). */
export function transcoder(): Transcoder {
  return Config.get().RUSHES_TRANSCODER === "mediaconvert"
    ? MediaConvert.create()
    : FfmpegTranscoder.create();
}
