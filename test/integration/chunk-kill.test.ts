import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, expect, it } from "vitest";
import { handlerChild, killHandlerChildren } from "../support/handler-child";
import { assemble, fetchKey, packets, worstJitter } from "../support/ladder";
import { chunkSource, chunkWorker, type Harness, startHarness } from "./harness";

// A chunk worker killed part-way through its chunk, as Lambda kills one at its timeout or out of
// memory: no catch runs, nothing reports the failure, the message is not deleted, and it comes
// back only when its visibility timeout runs out. The first delivery of chunk 2 (two segments) runs
// in its own process group (chunk-child.ts), which is SIGKILLed right after it has stored its first segment;
// the redelivery runs in process as usual.
const exec = promisify(execFile);
const fps = 25;
const seconds = 30;
const visibilitySeconds = 15;
/** The chunk whose first delivery is killed: 12-24 s, two segments, so the kill is mid-chunk. */
const killedIndex = 2;
let h: Harness;
let dir: string;

/** Every chunk delivery: which chunk, its receive count, when the worker got it. */
const deliveries: { index: number; receives: string; at: number }[] = [];
/** What the killed attempt left, seen just before the kill. */
let killed:
  | {
      segmentKey: string;
      segment: Buffer;
      manifestStored: boolean;
      doneBefore: number[];
      exit: { code: number | null; signal: NodeJS.Signals | null };
    }
  | undefined;

/** Runs the first attempt at chunk 2 in a child, kills it after its first segment, then fails. */
async function killedPartWay(event: SQSEvent, videoId: string): Promise<never> {
  const child = handlerChild(join(import.meta.dirname, "chunk-child.ts"), event, [
    "ignore",
    "ignore",
    "ignore",
    "ipc",
  ]);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const wrote = await new Promise<string>((resolve, reject) => {
    child.on("message", (m: { wrote?: string }) =>
      m.wrote
        ? resolve(m.wrote)
        : reject(new Error(`chunk ${killedIndex} finished unkilled: ${JSON.stringify(m)}`)),
    );
    child.on("exit", (code, signal) =>
      reject(new Error(`chunk child exited early: ${signal ?? code}`)),
    );
  });
  const { Storage, ObjectKeys } = await import("@rushes/core/storage");
  const { Lifecycle } = await import("@rushes/core/lifecycle");
  const path = await fetchKey(wrote, join(dir, "killed.m4s"));
  const segment = await readFile(path);
  const manifestStored =
    (await Storage.head(ObjectKeys.chunkManifest(videoId, killedIndex))) !== undefined;
  const doneBefore = [...((await Lifecycle.video.load(videoId))?.chunksDone ?? [])];
  process.kill(-child.pid!, "SIGKILL");
  const exit = await exited;
  killed = { segmentKey: wrote, segment, manifestStored, doneBefore, exit };
  // An S3 PUT is whole or absent, so an earlier attempt leaves whole objects; tear this one anyway,
  // so the test fails if a redelivery ever trusts what an earlier attempt left under its keys.
  await writeFile(path, segment.subarray(0, segment.length >> 1));
  await Storage.upload(wrote, path, "video/iso.segment");
  // As Lambda reports a timed-out invocation: failed, with nothing deleted.
  throw new Error("chunk worker killed");
}

beforeAll(async () => {
  h = await startHarness({
    // 12 s chunks of a 30 s source. Chunk 0 is one segment (playable sooner) and chunk 1 the rest
    // of the first 12 s; chunk 2 (12-24 s, two 6 s segments) is the one killed part-way; chunk 3
    // is the last 6 s. Four chunks, three joins.
    env: {
      RUSHES_CHUNK_SECONDS: "12",
      RUSHES_THUMBNAIL_WIDTHS: "300",
      RUSHES_LOCAL_CHUNK_CONCURRENCY: "2",
    },
    queue: { visibilityTimeoutSeconds: visibilitySeconds },
    handlers: {
      chunkWorker: async (event: SQSEvent) => {
        const record = event.Records[0]!;
        const body = JSON.parse(record.body);
        const receives = record.attributes.ApproximateReceiveCount;
        // The MP4 download jobs after the stitch ride the same queue: index -1.
        deliveries.push({ index: body.chunk?.index ?? -1, receives, at: Date.now() });
        if (body.chunk?.index === killedIndex && receives === "1") {
          return killedPartWay(event, body.videoId);
        }
        return chunkWorker(event);
      },
    },
  });
  dir = h.dir;
}, 120_000);

afterAll(async () => {
  killHandlerChildren();
  await h?.stop();
});

it("a chunk worker killed after writing part of its chunk: the redelivery finishes it, counted once, seamless", async () => {
  const key = await h.newKey("chunk-kill");
  const { id, video } = await h.ingest(key, "source.mp4", chunkSource(seconds, fps));

  // The first attempt died part-way: one segment of chunk 2 stored, its manifest not, not done.
  expect(killed?.exit.signal).toBe("SIGKILL");
  // A segment of any of its renditions (a worker uploads them eight at a time).
  expect(killed?.segmentKey).toMatch(new RegExp(`^media/${id}/hls/[^/]+/[^/]+\\.m4s$`));
  expect(killed?.manifestStored).toBe(false);
  expect(killed?.doneBefore).not.toContain(killedIndex);

  // It came back once, after the visibility timeout: nothing brought a killed worker's retry forward.
  const retried = deliveries.filter((d) => d.index === killedIndex);
  expect(retried.map((d) => d.receives)).toEqual(["1", "2"]);
  expect(retried[1]!.at - retried[0]!.at).toBeGreaterThanOrEqual(visibilitySeconds * 1000 - 500);

  expect(video.status).toBe("ready");
  const { Lifecycle } = await import("@rushes/core/lifecycle");
  const stored = await Lifecycle.video.load(id);
  expect(stored?.chunks).toBe(4);
  expect([...(stored?.chunksDone ?? [])].sort()).toEqual([0, 1, 2, 3]);
  const history = (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data;
  expect(history.filter((e: { type: string }) => e.type === "ready")).toHaveLength(1);
  expect(
    h.runtime.events.filter((e) => e.type === "video.ready" && e.properties.videoId === id),
  ).toHaveLength(1);

  // The torn segment was written over whole, with the very bytes the killed attempt had stored:
  // the encode is deterministic, so two live attempts at one chunk cannot mix different encodes.
  const rewritten = await readFile(await fetchKey(killed!.segmentKey, join(dir, "rewritten.m4s")));
  expect(rewritten.equals(killed!.segment)).toBe(true);

  // The ladder as a player reads it: every frame once, evenly spaced across the three joins.
  const rung = await assemble(id, "360p", join(dir, "360p.mp4"));
  expect(rung.segments).toBe(5);
  const times = (await packets(rung.path, "v:0")).map(([pts]) => pts);
  expect(times).toHaveLength(seconds * fps);
  expect(worstJitter(times, 1 / fps)).toBeLessThanOrEqual(0.001);
  expect(Math.abs(times.at(-1)! - times[0]! + 1 / fps - seconds)).toBeLessThanOrEqual(1 / fps);

  // And the download, remuxed from those segments, decodes cleanly end to end.
  const download = await fetchKey(`media/${id}/360p.mp4`, join(dir, "download.mp4"));
  const { Ffmpeg } = await import("@rushes/core/media");
  const { stderr } = await exec(Ffmpeg.paths().ffmpeg, [
    "-v",
    "error",
    "-i",
    download,
    "-f",
    "null",
    "-",
  ]);
  expect(stderr).toBe("");
  expect(await packets(download, "v:0")).toHaveLength(seconds * fps);
}, 300_000);
