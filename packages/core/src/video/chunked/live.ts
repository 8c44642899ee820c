import { ChunkTranscode, Hls } from "../../media";
import { contentTypes } from "../../media/transcoder";
import { ObjectKeys, Storage } from "../../storage";
import { Outcome } from "../outcome";
import { ChunkedMessage } from "./message";
import { Parts } from "./parts";
import { getJson, inParallel8, planOf } from "./store";

/**
 * Playback while the chunks still encode. After each chunk is recorded, every rung's playlist
 * lists the segments of the chunks done *without a gap from the start*: a late chunk stops the
 * list there rather than leaving a hole. Those are EVENT playlists; the first one also brings the
 * master, and the video becomes playable (`Outcome.playable`). Once every chunk is done the
 * playlists are the stitch's VOD ones, byte for byte.
 *
 * Workers publish concurrently and S3 keeps the last write, so each one reads the chunk set
 * again after it wrote and writes again while the set grew: the last writer always wrote the
 * longest list there was when it looked, so the stored list ends at the longest.
 */
export namespace Live {
  /** How many chunks from the first are done, with no gap. */
  export function prefix(done: readonly number[]): number {
    const set = new Set(done);
    let count = 0;
    while (set.has(count)) count++;
    return count;
  }

  /** Bounds the re-reads: each round wrote a longer list than the one before. */
  const rounds = 8;

  export async function publish(videoId: string) {
    const manifests: ChunkedMessage.Manifest[] = [];
    let written = 0;
    for (let round = 0; round < rounds; round++) {
      const video = await Parts.video(videoId);
      if (video?.status !== "processing" || !video.chunks) return written;
      const count = prefix(video.chunksDone ?? []);
      if (count <= written) return written;
      const wanted = Array.from({ length: count }, (_, i) => i).filter((i) => !manifests[i]);
      await inParallel8(wanted, async (i) => {
        manifests[i] = ChunkedMessage.Manifest.parse(
          await getJson(ObjectKeys.chunkManifest(videoId, i)),
        );
      });
      const plan = planOf(video);
      const done = manifests.slice(0, count);
      const rungs = ChunkTranscode.joinLadder(done);
      const audio = plan.hls.audio ? ChunkTranscode.joinAudio(done) : undefined;
      const complete = count === video.chunks;
      await inParallel8([...rungs, ...(audio ? [audio] : [])], (r) =>
        Storage.putText(
          ObjectKeys.hlsFile(videoId, r.name, Hls.playlistName),
          ChunkTranscode.playlist(r, plan.hls.segmentSeconds, complete ? "VOD" : "EVENT"),
          contentTypes.m3u8,
        ),
      );
      // The stitch writes the final master; until then one from the chunks so far serves.
      if (!complete && video.playableAt === undefined) {
        await Storage.putText(plan.hls.masterKey, Hls.master(rungs, audio), contentTypes.m3u8);
        await Outcome.playable(video);
      }
      written = count;
    }
    return written;
  }
}
