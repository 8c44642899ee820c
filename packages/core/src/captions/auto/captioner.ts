/**
 * The port automatic captions talk to, as media/transcoder.ts is for transcoding: Amazon
 * Transcribe on AWS, whisper.cpp locally. Nothing outside captions/auto knows which one runs.
 */
export interface Captioner {
  readonly kind: "transcribe" | "whisper";
  /** The longest source this engine takes, in ms. */
  readonly maxDurationMs: number;
  /** Why this engine cannot run here (no model, say), or undefined when it can. */
  unavailable(): string | undefined;
  caption(job: CaptionJob): Promise<CaptionOutcome>;
}

export type CaptionJob = {
  videoId: string;
  /** "auto" lets the engine identify the language; otherwise a canonical BCP 47 tag. */
  language: string;
  bucket: string;
  /** The stored media the engine reads: an MP4 rendition, or the source. */
  mediaKey: string;
  /** Extracts the audio as 16 kHz mono WAV into a work dir, for engines that run here. */
  wav(): Promise<string>;
};

/** Timed text, in ms from the start of the video. */
export type Cue = { startMs: number; endMs: number; text: string };

/**
 * whisper answers in-process; Transcribe answers later, through its EventBridge completion
 * (captions/auto/transcribe.ts reads it). `language` is the one the engine heard, when it says.
 */
export type CaptionOutcome =
  | { kind: "complete"; vtt: string; transcript: string; language?: string }
  | { kind: "submitted"; jobId: string };
