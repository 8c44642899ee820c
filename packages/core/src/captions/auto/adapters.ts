import { Config } from "../../config";
import type { Captioner } from "./captioner";
import { Transcribe } from "./transcribe";
import { Whisper } from "./whisper";

let replaced: Captioner | undefined;

/** The engine named by RUSHES_CAPTIONER (whisper unless told otherwise), or a test's double. */
export function captioner(): Captioner {
  if (replaced) return replaced;
  return Config.get().RUSHES_CAPTIONER === "transcribe" ? Transcribe.create() : Whisper.create();
}

/** Puts a test double behind the port (undefined restores the configured engine). */
export function useCaptioner(captioner: Captioner | undefined) {
  replaced = captioner;
}
