/**
 * The media layer, by the part a reader looks for: probe/ (what an upload is), ffmpeg/ (the
 * default adapter and its runner), chunked/ (its chunked mode for long sources), mediaconvert/
 * (the AWS adapter), hls/ (the fMP4 ladder), cut/ (clips from recordings). Beside them: the
 * Transcoder port, the plan both adapters follow, and the scratch dir.
 */
export { transcoder } from "./adapters";
export { ChunkAudio } from "./chunked/chunk-audio";
export { ChunkTranscode } from "./chunked/chunk-transcode";
export { Chunks } from "./chunked/chunks";
export { contentTypes } from "./content-types";
export { Cut } from "./cut/cut";
export { Segments } from "./cut/segments";
export { MediaError } from "./error";
export { AudioDownload } from "./ffmpeg/audio-download";
export { Ffmpeg } from "./ffmpeg/ffmpeg";
export { Storyboard } from "./ffmpeg/storyboard";
export { FfmpegTranscoder } from "./ffmpeg/transcoder";
export { Fmp4 } from "./hls/fmp4";
export { Hls } from "./hls/hls";
export { Mp4Codecs } from "./hls/mp4-codecs";
export { Loudness } from "./loudness";
export { MediaConvert } from "./mediaconvert/mediaconvert";
export { Plan } from "./plan";
export { Plausible } from "./probe/plausible";
export { Probe } from "./probe/probe";
export type {
  HlsInfo,
  Rendition,
  StoryboardInfo,
  Thumbnail,
  TranscodeJob,
  TranscodeOutcome,
  Transcoder,
} from "./transcoder";
export { withWorkDir } from "./work-dir";
