import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { Config } from "../../config";
import type { Captioner } from "./captioner";
import { Vtt } from "./vtt";

/**
 * The whisper.cpp adapter, for the local runtime: whisper.cpp's prebuilt Node addon (the
 * platform packages of @fugood/whisper.node, optional dependencies of core) over a model file
 * named by RUSHES_WHISPER_MODEL. Nothing is downloaded: with no model, or no addon for this
 * platform, it says why and the API answers 422 `captions_unavailable`. The transcription runs
 * on the addon's own thread, so it never holds up the event loop.
 */
export namespace Whisper {
  /** Where to get a model, for the 422 and the README. */
  export const modelHelp =
    "Set RUSHES_WHISPER_MODEL to a whisper.cpp ggml model file (e.g. ggml-base.en.bin or ggml-tiny.bin from the ggerganov/whisper.cpp models on Hugging Face).";

  type Segment = { text: string; t0: number; t1: number };
  type Context = {
    transcribeFile(
      path: string,
      options: { language?: string; maxThreads?: number },
    ): { promise: Promise<{ language?: string; result: string; segments: Segment[] }> };
    release(): Promise<void>;
  };
  type Addon = { WhisperContext: new (options: { filePath: string }) => Context };

  const addonName = () => `@fugood/node-whisper-${process.platform}-${process.arch}`;

  /** The addon for this platform, or why there is none. Loaded only when a model is set. */
  function addon(): Addon | string {
    try {
      return createRequire(import.meta.url)(addonName()) as Addon;
    } catch (error) {
      return `whisper.cpp's addon ${addonName()} is not installed here (${(error as Error).message.split("\n")[0]})`;
    }
  }

  export function unavailable(): string | undefined {
    const model = Config.get().RUSHES_WHISPER_MODEL;
    if (!model) return `Automatic captions need a speech model here. ${modelHelp}`;
    if (!existsSync(model)) return `RUSHES_WHISPER_MODEL names ${model}, which does not exist.`;
    const loaded = addon();
    return typeof loaded === "string" ? loaded : undefined;
  }

  export function create(): Captioner {
    return {
      kind: "whisper",
      maxDurationMs: Config.get().RUSHES_WHISPER_MAX_SECONDS * 1000,
      unavailable,
      async caption(job) {
        const why = unavailable();
        if (why) throw new Error(why);
        const wav = await job.wav();
        const { WhisperContext } = addon() as Addon;
        const context = await new WhisperContext({ filePath: Config.get().RUSHES_WHISPER_MODEL! });
        try {
          // whisper names languages by their primary subtag ("en"), or detects with "auto".
          const language = job.language === "auto" ? "auto" : job.language.split("-")[0]!;
          const result = await context.transcribeFile(wav, { language }).promise;
          const cues = result.segments.map((s) => ({ startMs: s.t0, endMs: s.t1, text: s.text }));
          return {
            kind: "complete",
            vtt: Vtt.fromCues(cues),
            transcript: cues
              .map((c) => c.text.trim())
              .filter(Boolean)
              .join("\n"),
            ...(result.language ? { language: result.language } : {}),
          };
        } finally {
          await context.release();
        }
      },
    };
  }
}
