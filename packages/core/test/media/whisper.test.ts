import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateVideo } from "../../../../test/support/media";
import { Whisper } from "../../src/captions/auto/whisper";

// The whisper.cpp adapter with a real model: only when RUSHES_WHISPER_MODEL names a model file,
// since none ships with npm and nothing may be downloaded (docs/settings.md says where to get one).
const model = process.env.RUSHES_WHISPER_MODEL;
const present = !!model && existsSync(model);

describe.skipIf(!present)("whisper.cpp with the model in RUSHES_WHISPER_MODEL", () => {
  it("transcribes a video's extracted audio into WebVTT", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rushes-whisper-"));
    try {
      const source = await generateVideo({ path: join(dir, "talk.mp4"), seconds: 3 });
      const { execFile } = await import("node:child_process");
      const wav = join(dir, "audio.wav");
      await new Promise<void>((resolve, reject) =>
        execFile(
          "ffmpeg",
          [
            "-v",
            "error",
            "-i",
            source,
            "-vn",
            "-ac",
            "1",
            "-ar",
            "16000",
            "-c:a",
            "pcm_s16le",
            wav,
          ],
          (error) => (error ? reject(error) : resolve()),
        ),
      );
      const captioner = Whisper.create();
      expect(captioner.unavailable()).toBeUndefined();
      const outcome = await captioner.caption({
        videoId: "vid_whisper",
        language: "en",
        bucket: "unused",
        mediaKey: "unused",
        wav: async () => wav,
      });
      expect(outcome.kind).toBe("complete");
      // A tone has no words to hear: what counts is that the model ran and answered WebVTT.
      expect(outcome.kind === "complete" && outcome.vtt.startsWith("WEBVTT\n")).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});

describe.skipIf(present)("whisper.cpp without a model", () => {
  it("is unavailable, saying where to get one (set RUSHES_WHISPER_MODEL to run the model test)", () => {
    expect(Whisper.unavailable()).toMatch(/RUSHES_WHISPER_MODEL/);
  });

  const platform = `${process.platform}-${process.arch}`;
  it.skipIf(!["linux-x64", "darwin-arm64"].includes(platform))(
    "has its prebuilt addon for this platform through npm, with nothing to build",
    async () => {
      const { createRequire } = await import("node:module");
      const name = `@fugood/node-whisper-${platform}`;
      const addon = createRequire(import.meta.url)(name) as { WhisperContext?: unknown };
      expect(typeof addon.WhisperContext).toBe("function");
    },
  );
});
