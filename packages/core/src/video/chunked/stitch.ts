import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AudioDownload, ChunkTranscode, Hls, Storyboard, withWorkDir } from "../../media";
import { contentTypes } from "../../media/transcoder";
import { ObjectKeys, Storage } from "../../storage";
import type { VideoItem } from "../schema";
import { Downloads } from "./downloads";
import { ChunkedMessage } from "./message";
import { getJson, inParallel8, planOf, putJson } from "./store";

/**
 * The stitch, run by the worker whose chunk completed the set: the playlists, the master and the
 * storyboard sheets from every chunk's output; then the MP4 downloads go to their own jobs
 * (`Downloads`), the last of which marks the video `ready`.
 */
export namespace Stitch {
  export async function run(video: VideoItem) {
    const id = video.videoId;
    const plan = planOf(video);
    const ladder = await withWorkDir(async (dir) => {
      const manifests: ChunkedMessage.Manifest[] = [];
      await inParallel8(
        Array.from({ length: video.chunks ?? 0 }, (_, i) => i),
        async (i) => {
          manifests[i] = ChunkedMessage.Manifest.parse(
            await getJson(ObjectKeys.chunkManifest(id, i)),
          );
        },
      );
      const rungs = ChunkTranscode.joinLadder(manifests);
      const audio = plan.hls.audio ? ChunkTranscode.joinAudio(manifests) : undefined;
      for (const rung of [...rungs, ...(audio ? [audio] : [])]) {
        const path = join(dir, `${rung.name}.m3u8`);
        await writeFile(path, ChunkTranscode.playlist(rung, plan.hls.segmentSeconds));
        await Storage.upload(
          ObjectKeys.hlsFile(id, rung.name, Hls.playlistName),
          path,
          contentTypes.m3u8,
        );
      }
      const masterPath = join(dir, Hls.masterName);
      await writeFile(masterPath, Hls.master(rungs, audio));
      await Storage.upload(plan.hls.masterKey, masterPath, contentTypes.m3u8);
      if (audio) await audioDownload(id, audio, Boolean(plan.hls.audio?.normalize), dir);

      // The storyboard's sheets from the tiles every chunk made.
      const sb = plan.storyboard;
      const tiles = join(dir, "tiles");
      const sheets = join(dir, "sheets");
      await Promise.all([mkdir(tiles, { recursive: true }), mkdir(sheets, { recursive: true })]);
      await inParallel8(
        Array.from({ length: sb.count }, (_, i) => i),
        (i) =>
          Storage.download(
            ObjectKeys.storyboardTile(id, i),
            join(tiles, Storyboard.sheetName(i)),
          ).catch(
            // A tile a chunk did not make (its stretch ended early): the sheets repeat the one before.
            (error: unknown) => {
              if ((error as Error).name !== "NoSuchKey") throw error;
            },
          ),
      );
      await Storyboard.sheetsFromTiles(sb, tiles, sheets);
      await inParallel8(sb.sheets, (key, i) =>
        Storage.upload(key, join(sheets, Storyboard.sheetName(i)), contentTypes.jpg),
      );

      return { rungs, audio };
    });
    return Downloads.fanOut(video, ladder);
  }

  /**
   * The `.m4a` from the stitched audio rendition (so its joins are the ladder's, seamless), kept
   * in `work/` for the finish; measured when normalised.
   */
  async function audioDownload(id: string, audio: Hls.Audio, measure: boolean, dir: string) {
    const hls = join(dir, "audio-hls");
    const files = await ChunkTranscode.renditionPaths(audio, hls);
    await inParallel8(files, ({ file, path }) =>
      Storage.download(ObjectKeys.hlsFile(id, audio.name, file), path),
    );
    const stored = await AudioDownload.store(id, hls, audio, { measure });
    await putJson(ObjectKeys.builtDownload(id, AudioDownload.name), stored);
  }
}
