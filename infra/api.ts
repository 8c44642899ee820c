// The HTTP API: the Hono app behind a Lambda function URL.
import { cdn, cdnInvalidation, cdnPrivateKey } from "./cdn";
import { clipQueue } from "./processing";
import { environment } from "./settings";
import { adminKey, bucket, maxUploadBytes, table, webUrl } from "./storage";
import { webhookDeliveryQueue, webhookKey } from "./webhooks";

const objects = (...prefixes: string[]) => prefixes.map((p) => $interpolate`${bucket.arn}/${p}*`);

/**
 * The API's rights on the bucket, and nothing wider (a link to the bucket would grant s3:*).
 * PutObject signs presigned POSTs and multipart parts, and covers CreateMultipartUpload and
 * CompleteMultipartUpload; ListMultipartUploadParts and AbortMultipartUpload resume and abort.
 * GetObject signs downloads (the source under sources/ once ingest has filed it); DeleteObject and
 * ListBucket delete a video's objects (ObjectKeys.videoPrefixes).
 */
export const apiBucketRights = [
  {
    actions: ["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
    resources: objects("uploads/"),
  },
  { actions: ["s3:GetObject"], resources: objects("uploads/", "sources/", "media/", "clips/") },
  { actions: ["s3:DeleteObject"], resources: objects("uploads/", "sources/", "media/") },
  { actions: ["s3:ListBucket"], resources: [bucket.arn] },
];

export const api = new sst.aws.Function("Api", {
  handler: "packages/functions/src/api/index.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  timeout: "30 seconds",
  // Each route loads its domain with a dynamic import (functions/src/api/route.ts). Split, a cold
  // start reads only Hono and the routing table; ElectroDB, zod and the SDK clients load with the
  // first request that needs them (`npm run bench`: api.bundleBytes, api.initRatio).
  nodejs: { splitting: true },
  // Not the bucket: its link grants s3:* on every object. The API gets its name the way a link
  // would deliver it, and only the rights above. The playback routes sign CloudFront URLs with the
  // CDN's key (packages/core/src/playback); the webhook queue and key serve creating, rotating
  // and redelivering webhooks.
  link: [table, clipQueue, adminKey, cdn, cdnPrivateKey, webhookDeliveryQueue, webhookKey],
  environment: {
    SST_RESOURCE_Media: sst.Linkable.env([bucket]).apply((env) => env.SST_RESOURCE_Media!),
    ...environment("api", { RUSHES_MAX_UPLOAD_BYTES: String(maxUploadBytes) }, [
      "RUSHES_MAX_UPLOAD_BYTES",
    ]),
  },
  permissions: [...apiBucketRights, cdnInvalidation],
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
