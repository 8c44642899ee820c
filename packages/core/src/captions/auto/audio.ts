import { join } from "node:path";
import { Ffmpeg } from "../../media/ffmpeg/ffmpeg";
import { Storage } from "../../storage";

/** The audio a local engine hears: the stored media's first audio stream, 16 kHz mono WAV. */
export namespace Audio {
  /** Downloads `key` into `dir` and extracts its audio; returns the WAV's path. */
  export async function wav(key: string, dir: string): Promise<string> {
    const media = join(dir, "media");
    await Storage.download(key, media);
    const out = join(dir, "audio.wav");
    await Ffmpeg.run("ffmpeg", [
      ...Ffmpeg.source(media),
      ...["-i", Ffmpeg.location(media)],
      ...["-map", "0:a:0", "-vn", "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le"],
      ...["-f", "wav", "-y", out],
    ]);
    return out;
  }
}
