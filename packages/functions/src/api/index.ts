// The rushes HTTP API: one Hono app, behind a Lambda function URL and in the local runtime.
import { type Context, Hono } from "hono";
import { handle } from "hono/aws-lambda";
import { requestId } from "hono/request-id";
import type { RouterRoute } from "hono/types";
import { apiKeys } from "./apikeys";
import { auth } from "./auth";
import { autoCaptions } from "./auto-captions";
import { cameras } from "./cameras";
import { captionRoutes } from "./captions";
import { clips } from "./clips";
import { docs } from "./docs";
import { bodyCap, notFound, onError } from "./error";
import { requestLog } from "./log";
import { playbackRoutes } from "./playback";
import { owners, usage } from "./quotas";
import { describe } from "./route";
import { uploads } from "./uploads";
import { videoClips } from "./video-clips";
import { videos } from "./videos";
import { webhooks } from "./webhooks";

const v1 = new Hono()
  .use(auth)
  .route("/uploads", uploads)
  .route("/videos", videos)
  .route("/videos", videoClips)
  .route("/videos", autoCaptions)
  .route("/videos", captionRoutes)
  .route("/cameras", cameras)
  .route("/clips", clips)
  .route("/keys", apiKeys)
  .route("/usage", usage)
  .route("/owners", owners)
  .route("/webhooks", webhooks);

const limit = bodyCap(64 * 1024, "Request body over 64 KiB");

/**
 * Completing a multipart upload lists up to 10,000 parts, and a subtitle file may reach 1 MiB;
 * those routes set their own limits.
 */
const completion = /^\/v1\/uploads\/[^/]+\/complete$/;
const captionFile = /^\/v1\/videos\/[^/]+\/captions\/[^/]+$/;
const ownLimit = (c: Context) =>
  completion.test(c.req.path) || (c.req.method === "PUT" && captionFile.test(c.req.path));

export const app = new Hono()
  .use(requestId(), requestLog)
  .get(
    "/health",
    describe("System", {
      operationId: "health",
      summary: "Health check",
      auth: false,
      response: { status: 200, description: "The API is up", schema: (_, s) => s.Health },
    }),
    (c) => c.json({ ok: true }, 200),
  )
  // The document lists the routes of this very app, read when it is first requested.
  .route(
    "/",
    docs((): RouterRoute[] => app.routes),
  )
  .use("/v1/*", (c, next) => (ownLimit(c) ? next() : limit(c, next)))
  // Before the authenticated routes: a playback token stands in for the key.
  .route("/v1/playback", playbackRoutes)
  .route("/v1", v1)
  .notFound(notFound)
  .onError(onError);

export type Routes = typeof app;

export const handler = handle(app);
