import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateVideo, inspect, measureLoudness, videoWithAudio } from "../support/media";
import { waitUntil } from "../support/wait";
import { type Harness, settled, startHarness } from "./harness";

// The audio-only download and loudness normalisation (issue 24, parts 3 and 4) through the
// single ffmpeg run: real uploads, the real ingest, the .m4a fetched through its presigned URL
// and measured with ffmpeg's loudnorm analysis (not the ebur128 filter the code runs).
let h: Harness;
let key: string;

type Loudness = {
  input: { integratedLufs?: number; truePeakDbtp?: number; lra?: number };
  output?: { integratedLufs?: number; truePeakDbtp?: number };
  targetLufs: number;
  gainDb?: number;
};
type Video = {
  id: string;
  status: string;
  probe: { durationMs: number };
  renditions: { name: string }[];
  audio?: {
    download?: { name: string; contentType: string; key: string; bytes: number; url?: string };
    loudness?: Loudness;
  };
};

/** A 440 Hz tone, stereo, at -30 LUFS: -21.75 LUFS at lavfi's default amplitude, less 8.25 dB. */
const quietTone =
  "sine=frequency=440:sample_rate=48000,volume=-8.25dB,aformat=channel_layouts=stereo";
/**
 * Quiet noise with a loud 3 kHz click every second: about -23 LUFS with a true peak near
 * -0.6 dBTP. Brought to -16 by loudness alone, its peaks would pass 0 dBFS.
 */
const click = "if(lt(mod(t\\,1)\\,0.003)\\,0.9*sin(2*PI*3000*t)\\,0)";
const clicky = `aevalsrc=0.03*(random(0)*2-1)+${click}|0.03*(random(1)*2-1)+${click}:s=48000`;

async function ingest(path: string, extra: Record<string, unknown> = {}) {
  const id = await h.upload(key, path, { extra });
  await h.waitForStatus(key, id, settled, 180_000);
  const reply = await h.api(key, "GET", `/v1/videos/${id}`);
  return reply.body as Video;
}

/** The .m4a through the presigned URL the API handed out, as a client downloads it. */
async function download(video: Video, name: string) {
  const url = video.audio?.download?.url;
  expect(url).toBeTruthy();
  const res = await fetch(url!);
  expect(res.status).toBe(200);
  const path = join(h.dir, name);
  await writeFile(path, Buffer.from(await res.arrayBuffer()));
  return path;
}

beforeAll(async () => {
  h = await startHarness({ env: { RUSHES_THUMBNAIL_WIDTHS: "300" } });
  key = await h.newKey("audio-owner");
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

describe("loudness normalisation at upload (normalizeAudio: true)", () => {
  it("brings a -30 LUFS source within 1 LU of the -16 LUFS target, in the .m4a and the record", async () => {
    const source = await videoWithAudio(join(h.dir, "quiet.mp4"), quietTone, 6);
    // The source really is at -30 LUFS before anything else is trusted.
    const before = await measureLoudness(source);
    expect(before.integratedLufs).toBeGreaterThan(-30.5);
    expect(before.integratedLufs).toBeLessThan(-29.5);

    const video = await ingest(source, { normalizeAudio: true });
    expect(video.status).toBe("ready");
    const loudness = video.audio!.loudness!;
    expect(loudness.targetLufs).toBe(-16);
    expect(Math.abs(loudness.input.integratedLufs! - -30)).toBeLessThan(0.5);
    expect(loudness.gainDb).toBeCloseTo(-16 - loudness.input.integratedLufs!, 1);
    expect(Math.abs(loudness.output!.integratedLufs! - -16)).toBeLessThanOrEqual(1);

    const m4a = await download(video, "quiet.m4a");
    const after = await measureLoudness(m4a);
    expect(Math.abs(after.integratedLufs - -16)).toBeLessThanOrEqual(1);
    expect(after.truePeakDbtp).toBeLessThan(-1);
  }, 240_000);

  it("keeps a source that would clip under the -1 dBTP ceiling", async () => {
    const source = await videoWithAudio(join(h.dir, "clicky.mp4"), clicky, 6);
    const before = await measureLoudness(source);
    // +7 LU to reach -16 would put its peaks above full scale.
    expect(before.truePeakDbtp - before.integratedLufs).toBeGreaterThan(16);
    expect(before.truePeakDbtp + (-16 - before.integratedLufs)).toBeGreaterThan(0);

    const video = await ingest(source, { normalizeAudio: true });
    expect(video.status).toBe("ready");
    const loudness = video.audio!.loudness!;
    expect(loudness.gainDb!).toBeLessThan(-16 - loudness.input.integratedLufs!);
    expect(loudness.output!.truePeakDbtp!).toBeLessThan(-1);
    const after = await measureLoudness(await download(video, "clicky.m4a"));
    expect(after.truePeakDbtp).toBeLessThan(-1);
  }, 240_000);

  it("gives a silent track no gain (never NaN or infinite)", async () => {
    const silence = "anullsrc=channel_layout=stereo:sample_rate=48000";
    const source = await videoWithAudio(join(h.dir, "silent.mp4"), silence, 3);
    const video = await ingest(source, { normalizeAudio: true });
    expect(video.status).toBe("ready");
    const loudness = video.audio!.loudness!;
    expect(loudness.gainDb).toBe(0);
    expect(loudness.input.integratedLufs).toBeUndefined();
    expect(video.audio!.download!.bytes).toBeGreaterThan(0);
  }, 240_000);
});

describe("the audio-only download", () => {
  let video: Video;
  beforeAll(async () => {
    const path = await generateVideo({ path: join(h.dir, "plain.mp4"), seconds: 4 });
    video = await ingest(path);
  }, 240_000);

  it("is an AAC-only MP4 as long as the video, listed beside the MP4s, downloadable by its URL", async () => {
    expect(video.status).toBe("ready");
    const m4a = video.audio!.download!;
    expect(m4a).toMatchObject({
      name: "audio",
      contentType: "audio/mp4",
      key: `media/${video.id}/audio.m4a`,
    });
    expect(video.renditions.length).toBeGreaterThan(0);
    const path = await download(video, "plain.m4a");
    const inspected = await inspect(path);
    expect(inspected.bytes).toBe(m4a.bytes);
    expect(inspected.formatName).toContain("mp4");
    expect(inspected.video).toBeUndefined();
    expect(inspected.audio).toMatchObject({ codec: "aac", channels: 2 });
    expect(Math.abs(inspected.durationMs - video.probe.durationMs)).toBeLessThan(100);
  });

  it("carries no loudness when normalisation was not asked for (RUSHES_NORMALIZE_AUDIO off)", () => {
    expect(video.audio!.loudness).toBeUndefined();
  });

  it("goes with the video when it is deleted", async () => {
    expect(await h.objects(`media/${video.id}/audio.m4a`)).toHaveLength(1);
    const res = await h.api(key, "DELETE", `/v1/videos/${video.id}`);
    expect(res.status).toBe(204);
    await waitUntil(
      "the .m4a to be deleted",
      async () =>
        (await h.objects(`media/${video.id}/audio.m4a`)).length === 0 ? true : undefined,
      { timeoutMs: 30_000 },
    );
  });
});

describe("a video with no audio", () => {
  it("has no .m4a and no loudness, even when normalisation is asked for", async () => {
    const path = await generateVideo({ path: join(h.dir, "mute.mp4"), seconds: 2, audio: false });
    const video = await ingest(path, { normalizeAudio: true });
    expect(video.status).toBe("ready");
    expect(video.audio).toBeUndefined();
    expect(await h.objects(`media/${video.id}/audio.m4a`)).toEqual([]);
  }, 240_000);
});
