import { Resource } from "sst";
import * as z from "zod";
import { Aws } from "../../aws";
import { logger } from "../../log";
import type { Captioner, CaptionJob } from "./captioner";
import { Vtt } from "./vtt";

/**
 * The Amazon Transcribe adapter. It starts a batch job that reads the stored media and writes its
 * transcript (JSON) and WebVTT subtitles under `work/captions/{videoId}/`; the job finishes
 * later, through the EventBridge "Transcribe Job State Change" event that `completion` reads.
 * That event carries only the job's name and status, so the name says whose job it is:
 * `{app}.{stage}.{videoId}.{language}.{nonce}`. The rule filters on this stage's prefix.
 */
export namespace Transcribe {
  /** Transcribe's own limit on a batch job's media: 4 hours. */
  export const maxDurationMs = 4 * 3600 * 1000;

  /**
   * Transcribe names a language with its region ("en-US"); a bare tag picks the usual one. Tags
   * it does not know go as they are and the job fails, saying so, as `captions.failed`.
   */
  const regional: Record<string, string> = {
    ar: "ar-SA",
    da: "da-DK",
    de: "de-DE",
    en: "en-US",
    es: "es-US",
    fr: "fr-FR",
    hi: "hi-IN",
    it: "it-IT",
    ja: "ja-JP",
    ko: "ko-KR",
    nl: "nl-NL",
    pl: "pl-PL",
    pt: "pt-BR",
    ru: "ru-RU",
    sv: "sv-SE",
    tr: "tr-TR",
    zh: "zh-CN",
  };
  export const languageCode = (tag: string) => regional[tag.toLowerCase()] ?? tag;

  const prefix = () => `${Resource.App.name}.${Resource.App.stage}.`;
  export const outputPrefix = (videoId: string) => `work/captions/${videoId}/`;

  export type JobName = { videoId: string; language: string };

  export function jobName(videoId: string, language: string, nonce = Date.now().toString(36)) {
    return `${prefix()}${videoId}.${language}.${nonce}`;
  }

  /** The video and language a job of this stage was started for; undefined for anyone else's. */
  export function parseJobName(name: string): JobName | undefined {
    if (!name.startsWith(prefix())) return undefined;
    const [videoId, language, nonce, ...rest] = name.slice(prefix().length).split(".");
    if (!videoId || !language || !nonce || rest.length) return undefined;
    return { videoId, language };
  }

  /** The StartTranscriptionJob input for a job: the recorded fixture pins it. */
  export function build(
    job: Pick<CaptionJob, "videoId" | "language" | "bucket" | "mediaKey">,
    nonce?: string,
  ) {
    return {
      TranscriptionJobName: jobName(job.videoId, job.language, nonce),
      Media: { MediaFileUri: `s3://${job.bucket}/${job.mediaKey}` },
      ...(job.language === "auto"
        ? { IdentifyLanguage: true }
        : { LanguageCode: languageCode(job.language) }),
      OutputBucketName: job.bucket,
      // A folder: Transcribe names the files after the job, `{jobName}.json` and `.vtt`.
      OutputKey: outputPrefix(job.videoId),
      Subtitles: { Formats: ["vtt" as const], OutputStartIndex: 1 },
    };
  }

  export function create(): Captioner {
    return {
      kind: "transcribe",
      maxDurationMs,
      unavailable: () => undefined,
      async caption(job) {
        const { StartTranscriptionJobCommand } = await import("../../clients/transcribe");
        const client = await transcribeClient();
        const input = build(job);
        // The SDK's LanguageCode is a closed union; ours is checked by Transcribe itself.
        const result = await client.send(
          new StartTranscriptionJobCommand(
            input as ConstructorParameters<typeof StartTranscriptionJobCommand>[0],
          ),
        );
        return {
          kind: "submitted",
          jobId: result.TranscriptionJob?.TranscriptionJobName ?? input.TranscriptionJobName,
        };
      },
    };
  }

  export const Event = z.object({
    source: z.literal("aws.transcribe"),
    "detail-type": z.literal("Transcribe Job State Change"),
    detail: z.object({
      TranscriptionJobName: z.string(),
      TranscriptionJobStatus: z.string(),
      FailureReason: z.string().optional(),
    }),
  });
  export type JobStateChange = z.input<typeof Event>;

  export type Completion =
    | (JobName & { jobName: string; status: "COMPLETED"; transcriptKey: string; vttKey: string })
    | (JobName & { jobName: string; status: "FAILED"; error: { code: string; message: string } });

  /** Reads a completion of one of this stage's jobs; undefined (logged) for anything else. */
  export function completion(event: unknown): Completion | undefined {
    const parsed = Event.safeParse(event);
    const name = parsed.data?.detail.TranscriptionJobName ?? "";
    const job = parsed.success ? parseJobName(name) : undefined;
    const status = parsed.data?.detail.TranscriptionJobStatus;
    if (!job || (status !== "COMPLETED" && status !== "FAILED")) {
      logger().info(
        { jobName: name, status },
        "ignoring a Transcribe event that is not a finished job of this stage",
      );
      return undefined;
    }
    if (status === "FAILED") {
      const message = parsed.data!.detail.FailureReason ?? "The transcription job failed";
      return { ...job, jobName: name, status, error: { code: "transcribe_failed", message } };
    }
    const base = `${outputPrefix(job.videoId)}${name}`;
    return {
      ...job,
      jobName: name,
      status,
      transcriptKey: `${base}.json`,
      vttKey: `${base}.vtt`,
    };
  }

  const Output = z.object({
    jobName: z.string(),
    results: z.object({
      transcripts: z.array(z.object({ transcript: z.string() })).default([]),
      language_code: z.string().optional(),
      language_identification: z
        .array(z.object({ code: z.string(), score: z.coerce.number() }))
        .optional(),
    }),
  });

  /** The transcript's text and the language Transcribe heard, from its output JSON. */
  export function parseOutput(json: string): { transcript: string; language?: string } {
    const { results } = Output.parse(JSON.parse(json));
    const heard =
      results.language_code ??
      results.language_identification?.toSorted((a, b) => b.score - a.score)[0]?.code;
    const transcript = results.transcripts.map((t) => t.transcript.trim()).join("\n");
    return { transcript, ...(heard ? { language: heard } : {}) };
  }

  /** A transcript for a job whose JSON said nothing: the subtitles' words. */
  export const transcriptOf = (vtt: string) => Vtt.text(vtt);
}

/** Built on first use; kept out of the shared Aws namespace so the API bundle never carries it. */
const transcribeClient = () =>
  Aws.once("transcribe", async () => {
    const { TranscribeClient } = await import("../../clients/transcribe");
    return new TranscribeClient({});
  });
