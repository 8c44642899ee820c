import { MediaError } from "../error";

/**
 * The decoders an upload may reach, beside the container allow-list in `Ffmpeg.demuxers`. ffmpeg
 * ships hundreds of decoders for obscure formats, and those see far less scrutiny than the ones
 * every phone and camera uses; an upload that needs one is refused before anything decodes it.
 * Checked on ffprobe's `codec_name`, which names the format rather than the decoder
 * implementation, so the same list holds for ffmpeg 4 and 6 and for native or library decoders.
 */
export namespace Codecs {
  export const video = new Set([
    ...["h264", "hevc", "av1", "vp8", "vp9", "mpeg4", "mpeg2video", "mpeg1video", "h263"],
    // Camera and editing intermediates, and what older AVI/ASF/FLV cameras wrote.
    ...["prores", "dnxhd", "dvvideo", "mjpeg", "vc1", "wmv3", "flv1"],
  ]);
  export const audio = new Set([
    ...["aac", "mp3", "mp2", "opus", "vorbis", "ac3", "eac3", "flac", "alac"],
    ...["amr_nb", "amr_wb", "wmav2"],
  ]);
  /** Cover art: the still pictures MP4 and Matroska files carry as an "attached picture". */
  export const picture = new Set(["mjpeg", "png"]);
  /** Uncompressed PCM in any of its sample layouts (pcm_s16le, pcm_s24be, pcm_f32le, ...). */
  const pcm = /^pcm_[suf]\d+(le|be)?(planar)?$/;

  export function allowed(kind: "video" | "audio" | "picture", codec: string): boolean {
    if (kind === "picture") return picture.has(codec);
    return kind === "video" ? video.has(codec) : audio.has(codec) || pcm.test(codec);
  }

  /**
   * Every video and audio stream, not just the ones transcoded: demuxers open a decoder for each
   * while they read stream parameters.
   */
  export function check(
    streams: {
      codec_type?: string;
      codec_name?: string;
      disposition?: { attached_pic?: number };
    }[],
  ) {
    for (const s of streams) {
      if (s.codec_type !== "video" && s.codec_type !== "audio") continue;
      const kind = s.disposition?.attached_pic ? "picture" : s.codec_type;
      if (!s.codec_name || !allowed(kind, s.codec_name)) {
        throw new MediaError(
          "unsupported_codec",
          `The ${s.codec_type} codec "${s.codec_name ?? "unknown"}" is not accepted`,
          true,
        );
      }
    }
  }
}
