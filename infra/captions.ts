// Automatic captions: the captions queue and its worker, which starts Amazon Transcribe jobs,
// and the EventBridge rule that brings a job's completion to transcribe-complete.
import { itemRights, names, objects, publishRights, receiveRights } from "./access";
import { events } from "./processing";
import { environment, setting } from "./settings";
import { bucket, table } from "./storage";

const captionWorkerSeconds = 60;

export const captionDeadLetters = new sst.aws.Queue("CaptionDeadLetters", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

export const captionQueue = new sst.aws.Queue("CaptionQueue", {
  // AWS's rule for queues Lambda polls: at least 6 × the function timeout.
  visibilityTimeout: `${6 * captionWorkerSeconds} seconds`,
  // A failed engine fails the track itself; the DLQ gets only what never ran (poison, crashes).
  dlq: { queue: captionDeadLetters.arn, retry: 3 },
});

// Uploads that asked for captions (`captions: {auto: true}`) start on video.ready: the event,
// as published (raw), on the same queue as the API's requests.
events.subscribeQueue("CaptionsOnReady", captionQueue.arn, {
  filter: { type: ["video.ready"] },
  transform: { subscription: { rawMessageDelivery: true } },
});

/**
 * Both caption functions' table rights: a video and its tracks by key (a placeholder track is
 * replaced), no query or scan.
 */
const tracksByKey = itemRights(table, [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
]);

/**
 * Transcribe reads the media and writes its output with the rights of whoever starts the job (the
 * caller's, as its docs' "Permissions required for IAM roles" say): so this role holds them. The
 * worker reads the stored media (media/, or the source under sources/) and lets Transcribe write
 * under work/captions/. The same handler, run locally with whisper, stores the track and the
 * transcript itself (media/{id}/captions/) and drops a track's `und` placeholder.
 */
export const captionWorker = new sst.aws.Function("CaptionWorker", {
  handler: "packages/functions/src/caption-worker.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  timeout: `${captionWorkerSeconds} seconds`,
  environment: {
    ...names({ Media: bucket, Table: table, Events: events }),
    ...environment("captionWorker", { RUSHES_CAPTIONER: "transcribe" }),
  },
  permissions: [
    tracksByKey,
    publishRights(events),
    receiveRights(captionQueue),
    // StartTranscriptionJob has no resource-level permissions.
    { actions: ["transcribe:StartTranscriptionJob"], resources: ["*"] },
    { actions: ["s3:GetObject"], resources: objects(bucket, "media/", "sources/") },
    {
      actions: ["s3:PutObject"],
      resources: objects(bucket, "work/captions/", "media/*/captions/"),
    },
    { actions: ["s3:DeleteObject"], resources: objects(bucket, "media/*/captions/") },
  ],
});

// One request per invocation, a few at once: Transcribe itself does the long work.
captionQueue.subscribe(captionWorker.arn, {
  batch: { size: 1, partialResponses: true },
  transform: {
    eventSourceMapping: {
      scalingConfig: { maximumConcurrency: setting("RUSHES_CAPTION_MAX_CONCURRENCY") },
    },
  },
});

/** Reads what Transcribe wrote (work/captions/), stores the track and transcript (media/). */
export const transcribeComplete = new sst.aws.Function("TranscribeComplete", {
  handler: "packages/functions/src/transcribe-complete.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  timeout: "1 minute",
  environment: {
    ...names({ Media: bucket, Table: table, Events: events }),
    ...environment("transcribeComplete"),
  },
  permissions: [
    tracksByKey,
    publishRights(events),
    { actions: ["s3:GetObject"], resources: objects(bucket, "work/captions/") },
    {
      actions: ["s3:PutObject", "s3:DeleteObject"],
      resources: objects(bucket, "media/*/captions/"),
    },
  ],
});

// Transcribe reports to the account's default event bus; job names start with app.stage.
sst.aws.Bus.subscribe(
  "TranscribeComplete",
  aws.cloudwatch.getEventBusOutput({ name: "default" }).arn,
  transcribeComplete,
  {
    pattern: {
      source: ["aws.transcribe"],
      detailType: ["Transcribe Job State Change"],
      detail: {
        TranscriptionJobStatus: ["COMPLETED", "FAILED"],
        TranscriptionJobName: [{ prefix: `${$app.name}.${$app.stage}.` }],
      },
    },
  },
);
