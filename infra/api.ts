// The HTTP API: the Hono app behind a Lambda function URL.
import { cdn, cdnPrivateKey } from "./cdn";
import { clipQueue } from "./processing";
import { environment } from "./settings";
import { adminKey, bucket, maxUploadBytes, table, webUrl } from "./storage";

export const api = new sst.aws.Function("Api", {
  handler: "packages/functions/src/api/index.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  timeout: "30 seconds",
  // The playback routes sign CloudFront URLs with the CDN's key (packages/core/src/playback).
  link: [table, bucket, clipQueue, adminKey, cdn, cdnPrivateKey],
  environment: environment("api", { RUSHES_MAX_UPLOAD_BYTES: String(maxUploadBytes) }, [
    "RUSHES_MAX_UPLOAD_BYTES",
  ]),
  // The /docs page and its renderer are files read on request (packages/functions/src/api/docs.ts),
  // so the 3 MB renderer never weighs on the handler's bundle or its cold start.
  copyFiles: [
    { from: "packages/functions/src/api/docs/index.html", to: "docs/index.html" },
    { from: "packages/functions/src/api/docs/favicon.svg", to: "docs/favicon.svg" },
    { from: "node_modules/@scalar/api-reference/dist/browser/standalone.js", to: "docs/scalar.js" },
  ],
  url: {
    // Lambda answers preflights and adds the CORS headers itself, so the app must not.
    cors: {
      allowOrigins: [webUrl],
      allowMethods: ["GET", "POST", "DELETE"],
      allowHeaders: ["authorization", "content-type", "idempotency-key"],
      maxAge: "1 day",
    },
  },
});
