/** The media layer: probe, plan, the Transcoder port with its two adapters, and clip cutting. */
export { transcoder } from "./adapters";
export { Cut } from "./cut";
export { MediaError } from "./error";
export { Ffmpeg } from "./ffmpeg";
export { FfmpegTranscoder } from "./ffmpeg-transcoder";
export { MediaConvert } from "./mediaconvert";
export { Plan } from "./plan";
export { Probe } from "./probe";
export { Segments } from "./segments";
export {
  type Rendition,
  type Thumbnail,
  type TranscodeJob,
  type TranscodeOutcome,
  type Transcoder,
  withWorkDir,
} from "./transcoder";
