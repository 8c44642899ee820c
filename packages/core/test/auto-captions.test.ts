import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Transcribe } from "../src/captions/auto/transcribe";
import { Vtt } from "../src/captions/auto/vtt";
import { Whisper } from "../src/captions/auto/whisper";

// The Transcribe adapter against fixtures shaped as AWS documents them: the job it starts, the
// EventBridge "Transcribe Job State Change" events, and the transcript JSON and WebVTT it writes.
const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, "../../../test/fixtures/transcribe", name), "utf8");
const json = (name: string) => JSON.parse(fixture(name));
const videoId = "vid_01jnfxk2v8q3m4r5s6t7v8w9x0";

describe("Transcribe", () => {
  it("starts exactly the recorded job: stored media in, VTT subtitles out under work/", () => {
    const input = Transcribe.build(
      {
        videoId,
        language: "auto",
        bucket: "rushes-local-media",
        mediaKey: `media/${videoId}/480p.mp4`,
      },
      "mig0k2a8",
    );
    expect(input).toEqual(json("start-transcription-job.json"));
  });

  it("names the language when one is asked, in Transcribe's regional form", () => {
    const job = { videoId, bucket: "b", mediaKey: "k" };
    const en = Transcribe.build({ ...job, language: "en" });
    expect(en).toMatchObject({ LanguageCode: "en-US" });
    expect(en).not.toHaveProperty("IdentifyLanguage");
    expect(Transcribe.build({ ...job, language: "en-GB" })).toMatchObject({
      LanguageCode: "en-GB",
    });
    expect(Transcribe.parseJobName(en.TranscriptionJobName)).toEqual({ videoId, language: "en" });
  });

  it("reads a COMPLETED event into the keys Transcribe wrote", () => {
    expect(Transcribe.completion(json("job-state-change-completed.json"))).toEqual({
      videoId,
      language: "auto",
      jobName: `rushes.local.${videoId}.auto.mig0k2a8`,
      status: "COMPLETED",
      transcriptKey: `work/captions/${videoId}/rushes.local.${videoId}.auto.mig0k2a8.json`,
      vttKey: `work/captions/${videoId}/rushes.local.${videoId}.auto.mig0k2a8.vtt`,
    });
  });

  it("reads a FAILED event with Transcribe's reason", () => {
    const completion = Transcribe.completion(json("job-state-change-failed.json"));
    expect(completion).toMatchObject({ videoId, language: "en", status: "FAILED" });
    expect(completion?.status === "FAILED" && completion.error.message).toMatch(
      /media format that you specified/,
    );
  });

  it("ignores another stage's jobs, unfinished jobs and other events", () => {
    const event = json("job-state-change-completed.json");
    const renamed = (name: string) => ({
      ...event,
      detail: { ...event.detail, TranscriptionJobName: name },
    });
    expect(Transcribe.completion(renamed(`rushes.prod.${videoId}.auto.x`))).toBeUndefined();
    expect(Transcribe.completion(renamed("somebody-elses-job"))).toBeUndefined();
    expect(
      Transcribe.completion({
        ...event,
        detail: { ...event.detail, TranscriptionJobStatus: "IN_PROGRESS" },
      }),
    ).toBeUndefined();
    expect(Transcribe.completion({ ...event, source: "aws.mediaconvert" })).toBeUndefined();
  });

  it("reads the transcript and the identified language from the output JSON", () => {
    expect(Transcribe.parseOutput(fixture("output.json"))).toEqual({
      transcript: "Welcome to the rushes review. Camera two, take three.",
      language: "en-US",
    });
    const { results, ...rest } = json("output.json");
    const { language_code: _, ...withoutCode } = results;
    expect(Transcribe.parseOutput(JSON.stringify({ ...rest, results: withoutCode })).language).toBe(
      "en-US",
    );
  });

  it("takes the words of its WebVTT subtitles as a transcript when it has to", () => {
    expect(Transcribe.transcriptOf(fixture("output.vtt"))).toBe(
      "Welcome to the rushes review.\nCamera two, take three.",
    );
  });
});

describe("Vtt", () => {
  it("writes cues as WebVTT, dropping empty ones", () => {
    expect(
      Vtt.fromCues([
        { startMs: 540, endMs: 2050, text: " Welcome to the rushes review." },
        { startMs: 2100, endMs: 2200, text: "  " },
        { startMs: 3_723_004, endMs: 3_725_000, text: "An hour in --> later" },
      ]),
    ).toBe(
      "WEBVTT\n\n1\n00:00:00.540 --> 00:00:02.050\nWelcome to the rushes review.\n\n" +
        "2\n01:02:03.004 --> 01:02:05.000\nAn hour in -> later\n",
    );
  });
});

describe("Whisper", () => {
  it("says where to get a model when none is configured", () => {
    const before = process.env.RUSHES_WHISPER_MODEL;
    delete process.env.RUSHES_WHISPER_MODEL;
    try {
      expect(Whisper.unavailable()).toMatch(/RUSHES_WHISPER_MODEL.*ggml/);
    } finally {
      if (before !== undefined) process.env.RUSHES_WHISPER_MODEL = before;
    }
  });
});
