/** The media layer: probe, plan, the Transcoder port with its two adapters, and clip cutting. */
export { transcoder } from "./adapters";
export { ChunkAudio } from "./chunk-audio";
export { ChunkTranscode } from "./chunk-transcode";
export { Chunks } from "./chunks";
export { Cut } from "./cut";
export { MediaError } from "./error";
export { Ffmpeg } from "./ffmpeg";
export { FfmpegTranscoder } from "./ffmpeg-transcoder";
export { Fmp4 } from "./fmp4";
export { Hls } from "./hls";
export { MediaConvert } from "./mediaconvert";
export { Mp4Codecs } from "./mp4-codecs";
export { Plan } from "./plan";
export { Plausible } from "./plausible";
export { Probe } from "./probe";
export { Segments } from "./segments";
export { Storyboard } from "./storyboard";
export {
  type HlsInfo,
  type Rendition,
  type StoryboardInfo,
  type Thumbnail,
  type TranscodeJob,
  type TranscodeOutcome,
  type Transcoder,
  withWorkDir,
} from "./transcoder";
