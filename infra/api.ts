// The HTTP API: the Hono app behind a Lambda function URL.
import { names, publishRights, sendRights, tableRights } from "./access";
import { captionQueue } from "./captions";
import { cdn, cdnInvalidation, cdnPrivateKey } from "./cdn";
import { fetchQueue } from "./fetch";
import { clipQueue, events, ingest } from "./processing";
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
  // Subtitle tracks a client uploads (PUT /v1/videos/:id/captions/:language), and nothing else
  // under media/: `media/{videoId}/captions/{language}.vtt` (ObjectKeys.caption).
  { actions: ["s3:PutObject"], resources: [$interpolate`${bucket.arn}/media/*/captions/*`] },
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
  // Links that grant nothing: the secrets and the CDN's URL and key id, for the playback routes
  // that sign CloudFront URLs (packages/core/src/playback) and the webhook routes. The bucket,
  // the table and the queues by name only, with the short lists below (infra/access.ts).
  // Ingest: deleting a processing video hands its slot to the owner's next queued video.
  link: [adminKey, cdn, cdnPrivateKey, webhookKey, ingest],
  environment: {
    ...names({
      Media: bucket,
      Table: table,
      ClipQueue: clipQueue,
      CaptionQueue: captionQueue,
      Events: events,
      WebhookDeliveryQueue: webhookDeliveryQueue,
      FetchQueue: fetchQueue,
    }),
    ...environment("api", { RUSHES_MAX_UPLOAD_BYTES: String(maxUploadBytes) }, [
      "RUSHES_MAX_UPLOAD_BYTES",
    ]),
  },
  permissions: [
    // DELETE /v1/videos/:id removes a video's history in batches.
    ...tableRights(table, ["dynamodb:BatchWriteItem"]),
    // Status changes the API makes (an aborted upload ends `cancelled`) publish their event.
    publishRights(events),
    // A clip request; a webhook redelivery.
    sendRights(clipQueue),
    sendRights(webhookDeliveryQueue),
    // A URL ingest's first fetch message.
    sendRights(fetchQueue),
    // Automatic captions (POST /v1/videos/:id/captions/auto) go to the caption worker.
    sendRights(captionQueue),
    ...apiBucketRights,
    // DELETE /v1/videos/:id invalidates what the CDN holds of the video.
    cdnInvalidation,
  ],
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
      // PUT: the web client uploads caption files (PUT /v1/videos/:id/captions/:language).
      allowMethods: ["GET", "POST", "PUT", "DELETE"],
      allowHeaders: ["authorization", "content-type", "idempotency-key"],
      maxAge: "1 day",
    },
  },
});
