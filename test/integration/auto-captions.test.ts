import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { Captioner, CaptionJob } from "@rushes/core/captions/auto";
import { Ffmpeg } from "@rushes/core/media";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness, waitUntil } from "./harness";

// Automatic captions over the embedded runtime, with a test double behind the Captioner port
// (the engines themselves: Transcribe cannot run here, whisper only with a model). The double
// takes the pipeline's real 16 kHz mono WAV; the Transcribe path runs the real adapter against a
// local endpoint that records StartTranscriptionJob, then its real completion handler.
const exec = promisify(execFile);
let h: Harness;
let endpoint: Server;
const started: Record<string, any>[] = [];
const fixtures = join(import.meta.dirname, "../fixtures/transcribe");
const fixture = (name: string) => readFileSync(join(fixtures, name), "utf8");

/** What the double heard: the WAV the pipeline extracted, probed. */
const heard: { job: CaptionJob; sampleRate: number; channels: number; seconds: number }[] = [];
let maxDurationMs = 60_000;
let failWith: string | undefined;
const double: Captioner = {
  kind: "whisper",
  get maxDurationMs() {
    return maxDurationMs;
  },
  unavailable: () => undefined,
  async caption(job) {
    const wav = await job.wav();
    // The ffprobe rushes runs (FFPROBE_PATH, PATH, or the npm one), never a bare name.
    const { stdout } = await exec(Ffmpeg.paths().ffprobe, [
      ...["-v", "error", "-show_entries", "stream=sample_rate,channels:format=duration"],
      ...["-of", "json", wav],
    ]);
    const probed = JSON.parse(stdout);
    heard.push({
      job,
      sampleRate: Number(probed.streams[0].sample_rate),
      channels: probed.streams[0].channels,
      seconds: Number(probed.format.duration),
    });
    if (failWith) throw new Error(failWith);
    return {
      kind: "complete",
      vtt: "WEBVTT\n\n1\n00:00:00.200 --> 00:00:01.400\nA tone at four forty.\n",
      transcript: "A tone at four forty.",
      language: "en",
    };
  },
};

const useCaptioner = async (captioner: Captioner | undefined) =>
  (await import("@rushes/core/captions/auto")).useCaptioner(captioner);

beforeAll(async () => {
  endpoint = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const input = JSON.parse(body);
    started.push({ target: req.headers["x-amz-target"], input });
    res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
    res.end(
      JSON.stringify({
        TranscriptionJob: {
          TranscriptionJobName: input.TranscriptionJobName,
          TranscriptionJobStatus: "IN_PROGRESS",
        },
      }),
    );
  });
  await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
  const port = (endpoint.address() as AddressInfo).port;
  h = await startHarness({
    env: {
      AWS_ENDPOINT_URL_TRANSCRIBE: `http://127.0.0.1:${port}`,
      RUSHES_THUMBNAIL_WIDTHS: "300",
    },
  });
});

afterAll(async () => {
  await useCaptioner(undefined);
  await h?.stop();
  endpoint?.close();
});

beforeEach(async () => {
  await useCaptioner(double);
  maxDurationMs = 60_000;
  failWith = undefined;
});

const newKey = (owner: string) => h.newKey(owner);

const captionsOf = async (key: string, id: string) =>
  (await h.api(key, "GET", `/v1/videos/${id}/captions`)).body.data as any[];

const settledTrack = (key: string, id: string, language: string) =>
  waitUntil(
    () => `no finished ${language} track on ${id}`,
    async () => {
      const track = (await captionsOf(key, id)).find((t) => t.language === language);
      return track && track.status !== "processing" ? track : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );

const eventFor = (type: string, id: string) =>
  waitUntil(
    () => `no ${type} for ${id}`,
    async () => h.runtime.events.find((e) => e.type === type && e.properties.videoId === id),
    { timeoutMs: 10_000, intervalMs: 50 },
  );

describe("automatic captions", () => {
  it("extracts the audio, stores the track under the language heard, and the transcript", async () => {
    const key = await newKey("auto-1");
    const { id, video } = await h.ingest(key, "talk.mp4", { seconds: 2 });
    expect(video.status).toBe("ready");
    expect((await h.api(key, "GET", `/v1/videos/${id}/transcript`)).status).toBe(404);

    const asked = await h.api(key, "POST", `/v1/videos/${id}/captions/auto`, {});
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ language: "und", source: "auto", status: "processing" });

    const track = await settledTrack(key, id, "en");
    expect(track).toMatchObject({ source: "auto", status: "ready", name: "English" });
    // The placeholder gave way to the language heard.
    expect((await captionsOf(key, id)).map((t) => t.language)).toEqual(["en"]);
    const vtt = await (await fetch(track.url)).text();
    expect(vtt).toContain("A tone at four forty.");

    const mine = heard.find((x) => x.job.videoId === id)!;
    expect(mine.job.language).toBe("auto");
    expect(mine.job.mediaKey).toMatch(new RegExp(`^media/${id}/.*\\.mp4$`));
    expect(mine).toMatchObject({ sampleRate: 16000, channels: 1 });
    expect(mine.seconds).toBeGreaterThan(1.5);
    expect(mine.seconds).toBeLessThan(2.5);

    const transcript = await h.api(key, "GET", `/v1/videos/${id}/transcript`);
    expect(transcript.status).toBe(200);
    expect(transcript.body).toEqual({ videoId: id, text: "A tone at four forty." });

    const event = await eventFor("captions.ready", id);
    expect(event.properties).toMatchObject({
      owner: "auto-1",
      language: "en",
      source: "auto",
      status: "ready",
      key: `media/${id}/captions/en.vtt`,
    });

    // The HLS master lists the track, processing no longer.
    const { playback } = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
    const master = await (await fetch(playback.hls)).text();
    expect(master.split("\n").filter((l: string) => l.includes("TYPE=SUBTITLES"))).toEqual([
      expect.stringMatching(/LANGUAGE="en".*URI="captions\/en\/index\.m3u8"/),
    ]);

    // Another owner sees none of it.
    const other = await newKey("auto-other");
    expect((await h.api(other, "POST", `/v1/videos/${id}/captions/auto`, {})).status).toBe(404);
    expect((await h.api(other, "GET", `/v1/videos/${id}/transcript`)).status).toBe(404);
  });

  it("answers 422 for a video without audio or too long for the engine, 409 until ready", async () => {
    const key = await newKey("auto-2");
    const silent = await h.ingest(key, "silent.mp4", { seconds: 1, audio: false });
    const noAudio = await h.api(key, "POST", `/v1/videos/${silent.id}/captions/auto`, {});
    expect(noAudio.status).toBe(422);
    expect(noAudio.body.error.code).toBe("no_audio");

    const { id } = await h.ingest(key, "long.mp4", { seconds: 2 });
    maxDurationMs = 1000;
    const long = await h.api(key, "POST", `/v1/videos/${id}/captions/auto`, { language: "en" });
    expect(long.status).toBe(422);
    expect(long.body.error.code).toBe("captions_too_long");

    const pending = await h.api(key, "POST", "/v1/uploads", {
      filename: "later.mp4",
      contentType: "video/mp4",
      bytes: 1000,
    });
    const notReady = await h.api(
      key,
      "POST",
      `/v1/videos/${pending.body.video.id}/captions/auto`,
      {},
    );
    expect(notReady.status).toBe(409);

    const bad = await h.api(key, "POST", `/v1/videos/${id}/captions/auto`, {
      language: "not a tag",
    });
    expect(bad.status).toBe(400);
    expect(await captionsOf(key, id)).toEqual([]);
  });

  it("fails the track and publishes captions.failed when the engine fails", async () => {
    const key = await newKey("auto-3");
    const { id } = await h.ingest(key, "broken.mp4", { seconds: 1 });
    failWith = "the engine broke";
    expect(
      (await h.api(key, "POST", `/v1/videos/${id}/captions/auto`, { language: "fr" })).status,
    ).toBe(202);
    const track = await settledTrack(key, id, "fr");
    expect(track).toMatchObject({ status: "failed", error: { code: "captions_failed" } });
    expect(track.error.message).toContain("the engine broke");
    const event = await eventFor("captions.failed", id);
    expect(event.properties).toMatchObject({ language: "fr", status: "failed" });
    expect((await h.api(key, "GET", `/v1/videos/${id}/transcript`)).status).toBe(404);
  });

  it("captions an upload that asked for it once it is ready, from video.ready", async () => {
    const key = await newKey("auto-7");
    const { id } = await h.ingest(key, "asked.mp4", { seconds: 1 }, 240_000, {
      extra: { captions: { auto: true, language: "en-gb" } },
    });
    const track = await settledTrack(key, id, "en-GB");
    expect(track).toMatchObject({ source: "auto", status: "ready" });
    expect(heard.find((x) => x.job.videoId === id)?.job.language).toBe("en-GB");
    await eventFor("captions.ready", id);

    // One that did not ask gets none; one without audio hears why.
    const plain = await h.ingest(key, "plain.mp4", { seconds: 1 });
    const silent = await h.ingest(key, "mute.mp4", { seconds: 1, audio: false }, 240_000, {
      extra: { captions: { auto: true } },
    });
    const refused = await settledTrack(key, silent.id, "und");
    expect(refused).toMatchObject({ status: "failed", error: { code: "no_audio" } });
    expect(await captionsOf(key, plain.id)).toEqual([]);
  });

  it("answers 422 captions_unavailable locally without a whisper model, saying where to get one", async () => {
    const { Whisper } = await import("@rushes/core/captions/auto");
    await useCaptioner(Whisper.create());
    const key = await newKey("auto-4");
    const { id } = await h.ingest(key, "nomodel.mp4", { seconds: 1 });
    const res = await h.api(key, "POST", `/v1/videos/${id}/captions/auto`, {});
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("captions_unavailable");
    expect(res.body.error.message).toMatch(/RUSHES_WHISPER_MODEL/);
    expect(await captionsOf(key, id)).toEqual([]);
  });
});

describe("the Transcribe adapter through the pipeline", () => {
  it("starts the recorded job from the worker and finishes the track from the completion event", async () => {
    const { Transcribe } = await import("@rushes/core/captions/auto");
    await useCaptioner(Transcribe.create());
    const key = await newKey("auto-5");
    const { id } = await h.ingest(key, "aws.mp4", { seconds: 1 });
    expect((await h.api(key, "POST", `/v1/videos/${id}/captions/auto`, {})).status).toBe(202);

    const job = await waitUntil(
      () => `no StartTranscriptionJob for ${id}`,
      async () => started.find((s) => s.input.TranscriptionJobName.includes(id)),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(job.target).toBe("Transcribe.StartTranscriptionJob");
    // The recorded fixture's job, for this video and bucket.
    const name: string = job.input.TranscriptionJobName;
    const rendition = job.input.Media.MediaFileUri.replace(`s3://rushes-local-media/`, "");
    const expected = JSON.parse(
      fixture("start-transcription-job.json")
        .replaceAll("rushes.local.vid_01jnfxk2v8q3m4r5s6t7v8w9x0.auto.mig0k2a8", name)
        .replaceAll("media/vid_01jnfxk2v8q3m4r5s6t7v8w9x0/480p.mp4", rendition)
        .replaceAll("vid_01jnfxk2v8q3m4r5s6t7v8w9x0", id),
    );
    expect(job.input).toEqual(expected);
    expect(rendition).toMatch(new RegExp(`^media/${id}/\\w+\\.mp4$`));

    // What Transcribe would have written, then its completion, as EventBridge invokes the handler.
    const s3 = new S3Client({ forcePathStyle: true });
    const put = (suffix: string, body: string) =>
      s3.send(
        new PutObjectCommand({
          Bucket: "rushes-local-media",
          Key: `work/captions/${id}/${name}${suffix}`,
          Body: body,
        }),
      );
    await put(
      ".json",
      fixture("output.json").replaceAll(
        "rushes.local.vid_01jnfxk2v8q3m4r5s6t7v8w9x0.auto.mig0k2a8",
        name,
      ),
    );
    await put(".vtt", fixture("output.vtt"));
    s3.destroy();
    const event = JSON.parse(
      fixture("job-state-change-completed.json").replaceAll(
        "rushes.local.vid_01jnfxk2v8q3m4r5s6t7v8w9x0.auto.mig0k2a8",
        name,
      ),
    );
    const [{ handler }, { AwsRecord }] = await Promise.all([
      import("@rushes/functions/transcribe-complete"),
      import("@rushes/core/aws-record"),
    ]);
    const complete = (e: unknown) => AwsRecord.as("TranscribeComplete", () => handler(e));
    // Another stage's job changes nothing.
    await complete({
      ...event,
      detail: { ...event.detail, TranscriptionJobName: name.replace(".local.", ".prod.") },
    });
    expect((await captionsOf(key, id))[0]).toMatchObject({ language: "und", status: "processing" });

    await complete(event);
    await complete(event);
    const tracks = await captionsOf(key, id);
    expect(tracks).toHaveLength(1);
    expect(tracks[0]).toMatchObject({ language: "en-US", source: "auto", status: "ready" });
    expect(await (await fetch(tracks[0].url)).text()).toContain("Camera two, take three.");
    expect((await h.api(key, "GET", `/v1/videos/${id}/transcript`)).body.text).toBe(
      "Welcome to the rushes review. Camera two, take three.",
    );
    const ready = h.runtime.events.filter(
      (e) => e.type === "captions.ready" && e.properties.videoId === id,
    );
    expect(ready).toHaveLength(1);
  });

  it("fails the track from a FAILED completion", async () => {
    const { Transcribe } = await import("@rushes/core/captions/auto");
    await useCaptioner(Transcribe.create());
    const key = await newKey("auto-6");
    const { id } = await h.ingest(key, "aws-fail.mp4", { seconds: 1 });
    expect(
      (await h.api(key, "POST", `/v1/videos/${id}/captions/auto`, { language: "en" })).status,
    ).toBe(202);
    const job = await waitUntil(
      () => `no StartTranscriptionJob for ${id}`,
      async () => started.find((s) => s.input.TranscriptionJobName.includes(id)),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(job.input).toMatchObject({ LanguageCode: "en-US" });
    const event = JSON.parse(
      fixture("job-state-change-failed.json").replaceAll(
        "rushes.local.vid_01jnfxk2v8q3m4r5s6t7v8w9x0.en.mig0k9zz",
        job.input.TranscriptionJobName,
      ),
    );
    const [{ handler }, { AwsRecord }] = await Promise.all([
      import("@rushes/functions/transcribe-complete"),
      import("@rushes/core/aws-record"),
    ]);
    await AwsRecord.as("TranscribeComplete", () => handler(event));
    const track = await settledTrack(key, id, "en");
    expect(track).toMatchObject({ status: "failed", error: { code: "transcribe_failed" } });
    await eventFor("captions.failed", id);
  });
});
