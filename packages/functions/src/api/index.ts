// The rushes HTTP API: one Hono app, behind a Lambda function URL and in the local runtime.
import { Hono } from "hono";
import { handle } from "hono/aws-lambda";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { auth } from "./auth";
import { cameras } from "./cameras";
import { clips } from "./clips";
import { notFound, onError } from "./error";
import { keys } from "./keys";
import { requestLog } from "./log";
import { uploads } from "./uploads";
import { videos } from "./videos";
import { webhooks } from "./webhooks";

const v1 = new Hono()
  .use(auth)
  .route("/uploads", uploads)
  .route("/videos", videos)
  .route("/cameras", cameras)
  .route("/clips", clips)
  .route("/keys", keys)
  .route("/webhooks", webhooks);

const limit = bodyLimit({
  maxSize: 64 * 1024,
  onError: (c) =>
    c.json({ error: { code: "too_large", message: "Request body over 64 KiB" } }, 413),
});

export const app = new Hono()
  .use(requestId(), requestLog)
  .get("/health", (c) => c.json({ ok: true }, 200))
  // The document imports every domain module, so it loads on the first request for it.
  .get("/openapi.json", async (c) => c.json((await import("./openapi")).openapi(), 200))
  .get("/docs", async (c) => c.html((await import("./openapi")).docsPage))
  .use("/v1/*", limit)
  .route("/v1", v1)
  .notFound(notFound)
  .onError(onError);

export type Routes = typeof app;

export const handler = handle(app);
