// Automatic captions and the transcript: POST /v1/videos/:id/captions/auto, GET …/transcript.
import { Hono } from "hono";
import { Resource } from "sst";
import { queuesThrough } from "../queue";
import { domain } from "./route";

const auto = domain("Captions", async () => ({
  ...(await import("@rushes/core/captions/auto")),
  ...(await import("@rushes/core/captions")),
  ...(await import("@rushes/core/actor")),
}));

// A request is put on the captions queue; the caption worker runs the engine.
queuesThrough({ captions: () => Resource.CaptionQueue.url });

export const autoCaptions = new Hono()
  .post(
    "/:id/captions/auto",
    auto.doc({
      operationId: "createAutoCaptions",
      summary: "Caption a video automatically",
      description:
        'Answers 202 with the track `processing`; `captions.ready` or `captions.failed` follows. With `language: "auto"` (the default) the engine identifies the language: the track reads `und` until then, and is stored under the language heard. Amazon Transcribe runs on AWS; locally whisper.cpp, when RUSHES_WHISPER_MODEL names a model (otherwise 422 `captions_unavailable`). 422 `no_audio` for a video without sound, `captions_too_long` past the engine\'s limit; 409 until the video is ready.',
      response: {
        status: 202,
        description: "The track, processing",
        schema: (m) => m.Captions.Info,
      },
      errors: [404, 409, 422],
      example: { language: "auto" },
    }),
    auto.validate("json", (m) => m.AutoCaptions.Request),
    async (c) => {
      const { AutoCaptions, Captions, Actor } = await auto.load();
      const caption = await AutoCaptions.request({
        ...c.req.valid("json"),
        owner: Actor.owner(),
        videoId: c.req.param("id"),
      });
      return c.json(await Captions.serialize(caption), 202);
    },
  )
  .get(
    "/:id/transcript",
    auto.doc({
      operationId: "getTranscript",
      summary: "Get the transcript of a video's latest automatic captions",
      description:
        "Plain text, one line per caption segment. 404 until automatic captions are ready.",
      response: {
        status: 200,
        description: "The transcript",
        schema: (m) => m.AutoCaptions.Transcript,
      },
      errors: [404],
    }),
    async (c) => {
      const { AutoCaptions, Actor } = await auto.load();
      const videoId = c.req.param("id");
      const text = await AutoCaptions.transcript(Actor.owner(), videoId);
      return c.json({ videoId, text }, 200);
    },
  );
