import * as z from "zod";
import { Dynamo } from "../../dynamo";
import { notFound, VisibleError } from "../../error";
import { Publisher } from "../../event/publisher";
import { fn } from "../../fn";
import { createId } from "../../id";
import { logger } from "../../log";
import { withWorkDir } from "../../media/work-dir";
import { Queue } from "../../queue";
import { Storage } from "../../storage";
import { type Caption, Captions } from "../index";
import { captioner } from "./adapters";
import { Audio } from "./audio";
import type { CaptionOutcome } from "./captioner";
import { Transcribe } from "./transcribe";
import { Vtt } from "./vtt";

export { captioner, useCaptioner } from "./adapters";
export type { Captioner, CaptionJob, CaptionOutcome } from "./captioner";
export { Transcribe } from "./transcribe";
export { Whisper } from "./whisper";

/**
 * Automatic captions around the Captioner port. The API checks the request and opens the track
 * (`processing`), then hands the work to the captions queue, so no engine runs inside a request;
 * the worker extracts what the engine needs and runs it. whisper finishes there; Transcribe
 * finishes through its completion event (`completeTranscribe`). Either way the track is stored
 * through Captions.save, the transcript beside it, and `captions.ready` or `captions.failed` goes out.
 * "auto" asks the engine to identify the language: the track waits as `und` (undetermined) and
 * is stored under the language heard.
 */
export namespace AutoCaptions {
  export const Language = z
    .union([z.literal("auto"), Captions.Language])
    .default("auto")
    .meta({ description: 'A BCP 47 tag, or "auto" to identify the language spoken' });

  export const Request = z
    .object({ language: Language, name: z.string().trim().min(1).max(100).optional() })
    .meta({ id: "AutoCaptionsRequest" });

  /** `GET /v1/videos/:id/transcript`'s answer. */
  export const Transcript = z
    .object({ videoId: z.string(), text: z.string() })
    .meta({ id: "Transcript" });

  export const Message = z.object({
    owner: z.string(),
    videoId: z.string(),
    language: z.string(),
  });
  export type Message = z.infer<typeof Message>;

  const queue = Queue.port<Message>("captions");

  /** The track's language while it is made: the one asked for, or `und` for "auto". */
  export const placeholder = (language: string) => (language === "auto" ? "und" : language);

  export const transcriptKey = (videoId: string) => `media/${videoId}/captions/transcript.txt`;

  const Asked = Request.extend({ owner: z.string().min(1), videoId: z.string().min(1) });

  /**
   * Checks a request and opens its track: 404 for another owner's video, 409 until it is ready,
   * 422 when the engine cannot run here, the video has no audio or is too long for it.
   */
  async function begin({ owner, videoId, language, name }: z.output<typeof Asked>) {
    const item = await Captions.readyVideo(owner, videoId);
    const engine = captioner();
    const why = engine.unavailable();
    if (why) throw new VisibleError("invalid", "captions_unavailable", why);
    if (!item.probe?.audioCodec) {
      throw new VisibleError("invalid", "no_audio", "The video has no audio stream to caption");
    }
    if ((item.probe.durationMs ?? 0) > engine.maxDurationMs) {
      throw new VisibleError(
        "invalid",
        "captions_too_long",
        `The video is longer than ${engine.kind} captions (${Math.round(engine.maxDurationMs / 60_000)} min)`,
      );
    }
    return Captions.begin({
      owner,
      videoId,
      language: placeholder(language),
      ...(name ? { name } : {}),
      source: "auto",
    });
  }

  /** Opens an automatic track and queues its work (POST /v1/videos/:id/captions/auto). */
  export const request = fn(Asked, async (input): Promise<Caption> => {
    const caption = await begin(input);
    try {
      await queue.send({ owner: input.owner, videoId: input.videoId, language: input.language });
    } catch (error) {
      await Captions.fail(input.owner, input.videoId, caption.language, {
        code: "captions_failed",
        message: "The captions could not be queued",
      });
      throw error;
    }
    return caption;
  });

  /** `video.ready`, as the Events topic delivers it to the captions queue (type-filtered). */
  export const Ready = z.object({
    type: z.literal("video.ready"),
    properties: z.object({ videoId: z.string(), owner: z.string() }),
  });

  /**
   * An upload that asked for captions (`captions: {auto: true}`) is captioned once ready, here in
   * the worker. A request the checks refuse still leaves a failed track and `captions.failed`,
   * so the client hears why.
   */
  export async function onReady(event: z.infer<typeof Ready>) {
    const { videoId, owner } = event.properties;
    const { data: item } = await Dynamo.entities.video
      .get({ videoId })
      .go({ attributes: ["owner", "autoCaptions"] });
    const asked = item?.owner === owner ? item.autoCaptions : undefined;
    if (!asked) return "skipped";
    const parsed = Asked.safeParse({ owner, videoId, language: asked.language });
    if (!parsed.success) {
      logger().warn({ videoId, language: asked.language }, "captions asked in no known language");
      return "skipped";
    }
    const input = parsed.data;
    try {
      await begin(input);
    } catch (error) {
      // A second delivery of the event finds its track already open.
      if (error instanceof VisibleError && error.kind === "conflict") return "skipped";
      if (!(error instanceof VisibleError) || error.kind !== "invalid") throw error;
      const caption = await Captions.begin({
        owner,
        videoId,
        language: placeholder(input.language),
        source: "auto",
      });
      await failed(owner, videoId, input.language, { code: error.code, message: error.message });
      return caption.status;
    }
    return run({ owner, videoId, language: input.language });
  }

  /** The still-open track of a request, or undefined once it is done (a redelivery, a duplicate). */
  async function open(owner: string, videoId: string, language: string) {
    try {
      const caption = await Captions.get(owner, videoId, placeholder(language));
      return caption.status === "processing" ? caption : undefined;
    } catch (error) {
      if (error instanceof VisibleError && error.kind === "not_found") return undefined;
      throw error;
    }
  }

  /** The worker: runs the engine on the video's stored media. */
  export async function run(message: Message): Promise<CaptionOutcome["kind"] | "skipped"> {
    const { owner, videoId, language } = message;
    if (!(await open(owner, videoId, language))) return "skipped";
    try {
      const item = await Captions.video(owner, videoId);
      const mp4 = (item.renditions ?? [])
        .filter((r) => r.key.endsWith(".mp4"))
        .sort((a, b) => a.bytes - b.bytes)[0];
      const mediaKey = mp4?.key ?? item.sourceKey;
      const outcome = await withWorkDir((dir) =>
        captioner().caption({
          videoId,
          language,
          bucket: Storage.bucket(),
          mediaKey,
          wav: () => Audio.wav(mediaKey, dir),
        }),
      );
      if (outcome.kind === "complete") await finish(owner, videoId, language, outcome);
      return outcome.kind;
    } catch (error) {
      logger().error({ err: error, videoId, language }, "automatic captions failed");
      await failed(owner, videoId, language, {
        code: "captions_failed",
        message: (error as Error).message.slice(0, 500),
      });
      return "complete";
    }
  }

  /** Stores what an engine heard as the track, and the transcript; publishes `captions.ready`. */
  export async function finish(
    owner: string,
    videoId: string,
    language: string,
    heard: { vtt: string; transcript: string; language?: string },
  ) {
    const track = language === "auto" ? identified(heard.language) : language;
    const caption = await Captions.save({
      owner,
      videoId,
      language: track,
      source: "auto",
      vtt: heard.vtt,
    });
    if (caption.language.toLowerCase() !== placeholder(language).toLowerCase()) {
      await Captions.remove(owner, videoId, placeholder(language));
    }
    await Storage.putText(
      transcriptKey(videoId),
      heard.transcript || Vtt.text(heard.vtt),
      "text/plain; charset=utf-8",
    );
    await publish("captions.ready", caption);
    return caption;
  }

  /** A heard language as a BCP 47 tag, `und` when the engine named none we can read. */
  function identified(language: string | undefined) {
    if (!language) return "und";
    try {
      return Captions.language(language);
    } catch {
      return "und";
    }
  }

  async function failed(
    owner: string,
    videoId: string,
    language: string,
    error: { code: string; message: string },
  ) {
    const caption = await Captions.fail(owner, videoId, placeholder(language), error);
    if (caption) await publish("captions.failed", caption);
  }

  async function publish(type: "captions.ready" | "captions.failed", caption: Caption) {
    await Publisher.publish(
      type,
      { eventId: createId("event"), at: Date.now() },
      {
        videoId: caption.videoId,
        owner: caption.owner,
        language: caption.language,
        source: caption.source,
        status: caption.status,
        bucket: Storage.bucket(),
        ...(caption.status === "ready" ? { key: caption.key } : {}),
        ...(caption.error ? { error: caption.error } : {}),
      },
    );
  }

  /**
   * Transcribe's "Job State Change": stores the subtitles and transcript it wrote, or fails the
   * track. Another stage's job, a duplicate event or a track deleted meanwhile changes nothing.
   */
  export async function completeTranscribe(event: unknown) {
    const done = Transcribe.completion(event);
    if (!done) return "ignored";
    const { data: item } = await Dynamo.entities.video
      .get({ videoId: done.videoId })
      .go({ attributes: ["owner"] });
    if (!item || !(await open(item.owner, done.videoId, done.language))) return "ignored";
    if (done.status === "FAILED") {
      await failed(item.owner, done.videoId, done.language, done.error);
      return "failed";
    }
    try {
      const [vtt, json] = await Promise.all([
        Storage.getText(done.vttKey),
        Storage.getText(done.transcriptKey),
      ]);
      const output = Transcribe.parseOutput(json);
      await finish(item.owner, done.videoId, done.language, { vtt, ...output });
      return "ready";
    } catch (error) {
      logger().error({ err: error, jobName: done.jobName }, "reading Transcribe's output failed");
      await failed(item.owner, done.videoId, done.language, {
        code: "captions_failed",
        message: "Transcribe's output could not be read",
      });
      return "failed";
    }
  }

  /** The latest automatic transcript, as plain text; 404 when there is none. */
  export async function transcript(owner: string, videoId: string): Promise<string> {
    await Captions.video(owner, videoId);
    try {
      return await Storage.getText(transcriptKey(videoId));
    } catch (error) {
      if ((error as Error).name === "NoSuchKey") throw notFound("Transcript");
      throw error;
    }
  }
}
