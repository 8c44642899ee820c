// The HTTP API: the Hono app behind a Lambda function URL.
import { clipQueue } from "./processing";
import { adminKey, bucket, maxUploadBytes, table, webUrl } from "./storage";
import { webhookDeliveryQueue, webhookKey } from "./webhooks";

export const api = new sst.aws.Function("Api", {
  handler: "packages/functions/src/api/index.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  timeout: "30 seconds",
  // The webhook queue and key: creating, rotating and redelivering webhooks.
  link: [table, bucket, clipQueue, adminKey, webhookDeliveryQueue, webhookKey],
  environment: { RUSHES_MAX_UPLOAD_BYTES: String(maxUploadBytes) },
  url: {
    // Lambda answers preflights and adds the CORS headers itself, so the app must not.
    cors: {
      allowOrigins: [webUrl],
      allowMethods: ["GET", "POST", "DELETE"],
      allowHeaders: ["authorization", "content-type"],
      maxAge: "1 day",
    },
  },
});
