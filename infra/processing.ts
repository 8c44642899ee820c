// Processing: ingest on upload, the clip queue and its worker, MediaConvert, and domain events.
// Over 300 lines: its workers share the ffmpeg layer, the timeouts rule and their queue/DLQ pairs.
import { chmod, open } from "node:fs/promises";
import path from "node:path";
import {
  listing,
  names,
  objects,
  publishRights,
  receiveRights,
  sendRights,
  tableRights,
} from "./access";
import { environment, memory, setting } from "./settings";
import { bucket, maxUploadBytes, table } from "./storage";

export const events = new sst.aws.SnsTopic("Events");

/**
 * The transcoder, chosen per stage when deploying: `ffmpeg` unless RUSHES_TRANSCODER says
 * otherwise in the shell or in a `.env.<stage>` file, which SST loads (docs/deploy.md).
 */
export const transcoder = readTranscoder();

function readTranscoder() {
  const value = process.env.RUSHES_TRANSCODER || "ffmpeg";
  if (value === "ffmpeg" || value === "mediaconvert") return value;
  throw new Error(`RUSHES_TRANSCODER must be "ffmpeg" or "mediaconvert", not "${value}"`);
}

/*
 * ffmpeg and ffprobe for Lambda: one maintained release of both, as SST's own aws-ffmpeg example
 * ships ffmpeg. `ffmpeg-static` and `@derhuerst/ffprobe-static` are published together from one
 * repository and fetch their binaries, at install time, from the same GitHub release (b6.1.1:
 * FFmpeg 6.1.1, John Van Sickle's static Linux builds, where ffmpeg and ffprobe come out of one
 * tarball). They are installed only here, when deploying, never as a dependency: their install
 * scripts download, and `npm start` keeps the @ffmpeg-installer packages (see docs/deploy.md). Exact
 * versions, because these packages move the ffmpeg release without a major version bump. Both
 * publish linux-arm64 builds too: changing `ffmpegArchitecture` switches the binaries with it.
 * Functions without binaries run on arm64.
 */
const ffmpegStatic = "5.3.0";
const ffmpegArchitecture = "x86_64" as const;
const elfMachine = { x86_64: 0x3e, arm64: 0xb7 }[ffmpegArchitecture];
const binaries = {
  FFMPEG_PATH: "ffmpeg-static/ffmpeg",
  FFPROBE_PATH: "@derhuerst/ffprobe-static/ffprobe",
};

const withFfmpeg = {
  architecture: ffmpegArchitecture,
  nodejs: {
    // Installed into the package rather than bundled. SST runs npm with --arch from
    // `architecture`, which the install scripts read to pick the binary.
    install: { "ffmpeg-static": ffmpegStatic, "@derhuerst/ffprobe-static": ffmpegStatic },
  },
  hook: {
    // The install scripts take the OS from the deploying machine unless npm_config_platform says
    // linux (docs/deploy.md): refuse to ship anything but a Linux binary for the
    // function's CPU. Lambda runs code as a user that does not own /var/task, so make both
    // world-executable before SST zips the package. A missing binary throws ENOENT, and so
    // fails the deploy.
    async postbuild(dir: string) {
      for (const binary of Object.values(binaries)) {
        const file = path.join(dir, "node_modules", binary);
        const header = Buffer.alloc(20);
        const handle = await open(file, "r");
        await handle.read(header, 0, 20, 0).finally(() => handle.close());
        const elf = header.readUInt32BE(0) === 0x7f454c46 && header.readUInt16LE(18) === elfMachine;
        if (!elf) {
          throw new Error(
            `${binary} is not a Linux ${ffmpegArchitecture} executable: deploy with npm_config_platform=linux`,
          );
        }
        await chmod(file, 0o755);
      }
    },
  },
};

// Deployed, point the code straight at the binaries. `sst dev` runs functions on your machine,
// where the code finds ffmpeg itself (PATH, then the npm packages for your platform).
const ffmpegEnvironment: Record<string, string> = $dev
  ? {}
  : Object.fromEntries(
      Object.entries(binaries).map(([name, binary]) => [name, `/var/task/node_modules/${binary}`]),
    );

/** A function's settings that follow from its timeout. */
function timeouts(functionSeconds: number) {
  return {
    // ffmpeg gives up while the function still has time to record the failure and clean up.
    RUSHES_FFMPEG_TIMEOUT_SECONDS: String(functionSeconds - 60),
    // Outlives any run, so a live run is never taken over; an ingest lease also expires before
    // Lambda's first retry of a failed async invocation (1 minute later), so that retry takes over.
    RUSHES_PROCESSING_TIMEOUT_SECONDS: String(functionSeconds + 30),
  };
}

export const mediaConvertRole =
  transcoder === "mediaconvert" ? createMediaConvertRole() : undefined;

function createMediaConvertRole() {
  const role = new aws.iam.Role("MediaConvertRole", {
    assumeRolePolicy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "mediaconvert.amazonaws.com" },
          Action: "sts:AssumeRole",
        },
      ],
    }),
  });
  new aws.iam.RolePolicy("MediaConvertRolePolicy", {
    role: role.name,
    policy: $jsonStringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          // Ingest moves the validated source here before it submits the job.
          Action: "s3:GetObject",
          Resource: $interpolate`${bucket.arn}/sources/*`,
        },
        { Effect: "Allow", Action: "s3:PutObject", Resource: $interpolate`${bucket.arn}/media/*` },
      ],
    }),
  });
  return role;
}

/*
 * Long footage: ingest splits a source longer than 2 × RUSHES_CHUNK_SECONDS and sends one message
 * per chunk; each ChunkWorker encodes one chunk (60 s of 1080p in well under a minute on 6 vCPU),
 * and the one that completes the set stitches the playlists and the MP4 downloads.
 */
const chunkWorkerSeconds = 600;
const chunkReceives = 3;

export const chunkDeadLetters = new sst.aws.Queue("ChunkDeadLetters", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

export const chunkQueue = new sst.aws.Queue("ChunkQueue", {
  // What a killed worker's chunk waits; one that threw comes back after the worker's own short
  // backoff (ChangeMessageVisibility, granted to the worker below).
  visibilityTimeout: `${6 * chunkWorkerSeconds} seconds`,
  // The worker fails the video (chunk_failed) on the last receive, so the DLQ gets only what it
  // could never read: the worker's RUSHES_CHUNK_MAX_RECEIVES is this same number.
  dlq: { queue: chunkDeadLetters.arn, retry: chunkReceives },
});

const ingestSeconds = 900; // Lambda's maximum

/**
 * Where Lambda records an upload event ingest could not handle after its retries, or that
 * waited too long in the async queue: nothing is dropped silently. The sweep re-drives the video
 * itself (its record says what is unfinished); this queue is for operators and alarms.
 */
export const ingestFailures = new sst.aws.Queue("IngestFailures", {
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});
const ingestRetries = 2; // Lambda's default for async invocations, spelled out: attempts = 3

/*
 * Sized for 1080p sources. x264 uses every core it gets and Lambda's CPU grows with memory (1 vCPU
 * per 1,769 MB), so 10,240 MB (6 vCPU) costs about the same per minute of video as less memory
 * but finishes soonest, and the 15-minute cap is what binds. Measured with the local ffmpeg 4.x
 * (6.1.1 not yet): a 720p and a 480p rendition from 1080p30 take 0.6 CPU-seconds per second of
 * typical footage and up to 1.9 for very noisy footage. 840 s of ffmpeg on ~4.6 effective vCPU
 * then covers ~35 minutes of the worst case in one run. Longer sources never run whole here:
 * ingest splits them and fans the chunks out to ChunkWorker (below), so both modes take
 * RUSHES_MAX_DURATION_SECONDS' 6 h default.
 * /tmp holds the source and the renditions (about 1 GiB at the cap): 10 GiB, Lambda's maximum.
 * Uploads go up to `maxUploadBytes` (5 TiB, through multipart); a source too large for /tmp with
 * its renditions ends `failed` with `insufficient_storage` before any download, never ENOSPC.
 */
export const ingest = new sst.aws.Function("Ingest", {
  handler: "packages/functions/src/ingest.handler",
  runtime: "nodejs22.x",
  ...withFfmpeg,
  memory: memory("RUSHES_INGEST_MEMORY_MB"),
  storage: "10240 MB",
  timeout: `${ingestSeconds} seconds`,
  retries: ingestRetries,
  // No links: each would grant a whole service (infra/access.ts). Names and short lists instead.
  // The async invoke config SST makes for `retries` also names the on-failure destination.
  transform: {
    eventInvokeConfig: { destinationConfig: { onFailure: { destination: ingestFailures.arn } } },
  },
  // Deploy-time settings (infra/settings.ts) may lower the upload cap, not raise it. Long sources
  // are split into chunks (ChunkWorker), so the duration cap is the same 6 h in both modes.
  environment: {
    ...names({ Media: bucket, Table: table, Events: events, ChunkQueue: chunkQueue }),
    ...ffmpegEnvironment,
    ...timeouts(ingestSeconds),
    ...environment(
      "ingest",
      {
        RUSHES_TRANSCODER: transcoder,
        RUSHES_MAX_UPLOAD_BYTES: String(maxUploadBytes),
      },
      ["RUSHES_MAX_UPLOAD_BYTES"],
    ),
    RUSHES_MAX_ATTEMPTS: String(ingestRetries + 1),
    ...(mediaConvertRole ? { RUSHES_MEDIACONVERT_ROLE_ARN: mediaConvertRole.arn } : {}),
  },
  permissions: [
    ...tableRights(table),
    publishRights(events),
    // The chunked path's fan-out (video/chunked/fan-out.ts).
    sendRights(chunkQueue),
    // Lambda sends the failed event with the function's own role.
    sendRights(ingestFailures),
    ...ingestObjectRights(),
    ...(mediaConvertRole ? mediaConvertPermissions(mediaConvertRole) : []),
  ],
});

function mediaConvertPermissions(role: aws.iam.Role) {
  return [
    // MediaConvert supports resource-level permissions only in part; AWS's own policies use "*".
    { actions: ["mediaconvert:CreateJob"], resources: ["*"] },
    {
      actions: ["iam:PassRole"],
      resources: [role.arn],
      conditions: [
        {
          test: "StringEquals",
          variable: "iam:PassedToService",
          values: ["mediaconvert.amazonaws.com"],
        },
      ],
    },
  ];
}

/**
 * What ingest does to objects, and nothing more: it reads the upload (GET, and HEAD, which S3
 * authorises as GET), moves it to sources/ (copy, then delete) or deletes it when it must refuse
 * it (a large one in parts, aborting them if the copy fails), and writes outputs under media/ and
 * intermediates under work/. When a delete won the race against it, it lists and deletes what it
 * wrote for that video.
 */
function ingestObjectRights() {
  return [
    { actions: ["s3:GetObject", "s3:DeleteObject"], resources: objects(bucket, "uploads/") },
    // A large source is copied in parts (Storage.copy): a failed copy aborts what it started.
    {
      actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      resources: objects(bucket, "sources/"),
    },
    {
      actions: ["s3:PutObject", "s3:DeleteObject"],
      resources: objects(bucket, "media/", "work/"),
    },
    // A source gone before ingest reads it fails the video `source_missing`, which needs a 404.
    listing(bucket),
  ];
}

/*
 * Ingest hands a freed processing slot to its owner's next queued video by invoking itself
 * (functions/src/redrive.ts, quota/slots.ts). Its own ARN cannot be in the role's policy that the
 * function is made with, so this policy is attached once the function exists. Locally the
 * runtime brings its own hand-off, so the IAM check's records never show this call.
 */
new aws.iam.RolePolicy("IngestSelfInvoke", {
  role: ingest.nodes.role.name,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: ingest.arn }],
  }),
});

// Outputs go under media/ and clips/, so nothing ingest writes can trigger it again.
bucket.notify({
  notifications: [
    {
      name: "Ingest",
      function: ingest.arn,
      events: ["s3:ObjectCreated:*"],
      filterPrefix: "uploads/",
    },
  ],
});

const clipWorkerSeconds = 600;
const clipAttempts = 3;

export const clipDeadLetters = new sst.aws.Queue("ClipDeadLetters", {
  // SQS keeps a message's first enqueue time in the DLQ, so keep it longer than the queue does.
  transform: { queue: { messageRetentionSeconds: 14 * 24 * 3600 } },
});

export const clipQueue = new sst.aws.Queue("ClipQueue", {
  // AWS's rule for queues Lambda polls: at least 6 × the function timeout.
  visibilityTimeout: `${6 * clipWorkerSeconds} seconds`,
  // Waiting for footage sends a new, delayed message, so receives count only failures. The worker
  // marks a clip `failed` on its last attempt; the DLQ gets what it never could, such as poison
  // messages or crashes before a lease.
  dlq: { queue: clipDeadLetters.arn, retry: clipAttempts + 2 },
});

// Clips are at most 10 minutes; an exact (re-encoded) one gets the same CPU and /tmp as ingest.
export const clipWorker = new sst.aws.Function("ClipWorker", {
  handler: "packages/functions/src/clip-worker.handler",
  runtime: "nodejs22.x",
  ...withFfmpeg,
  memory: memory("RUSHES_CLIP_WORKER_MEMORY_MB"),
  storage: "10240 MB",
  timeout: `${clipWorkerSeconds} seconds`,
  environment: {
    ...names({ Media: bucket, Table: table, Events: events, ClipQueue: clipQueue }),
    ...ffmpegEnvironment,
    ...timeouts(clipWorkerSeconds),
    ...environment("clipWorker"),
    RUSHES_MAX_ATTEMPTS: String(clipAttempts),
  },
  permissions: [
    ...tableRights(table),
    publishRights(events),
    // The subscription polls with this role; waiting for footage sends a new, delayed message.
    receiveRights(clipQueue),
    sendRights(clipQueue),
    // Reads the recordings' top renditions (media/), writes the clip and its thumbnails
    // (clips/), and signs the clip's URL in clip.available (clips/).
    { actions: ["s3:GetObject"], resources: objects(bucket, "media/", "clips/") },
    { actions: ["s3:PutObject"], resources: objects(bucket, "clips/") },
  ],
});

// One clip per invocation: each gets a whole function, and Lambda scales out per message, up
// to RUSHES_CLIP_MAX_CONCURRENCY at once (an event source mapping's maximum concurrency).
clipQueue.subscribe(clipWorker.arn, {
  batch: { size: 1, partialResponses: true },
  transform: {
    eventSourceMapping: {
      scalingConfig: { maximumConcurrency: setting("RUSHES_CLIP_MAX_CONCURRENCY") },
    },
  },
});

export const chunkWorker = new sst.aws.Function("ChunkWorker", {
  handler: "packages/functions/src/chunk-worker.handler",
  runtime: "nodejs22.x",
  ...withFfmpeg,
  memory: memory("RUSHES_CHUNK_WORKER_MEMORY_MB"),
  // A chunk and its ladder are small; the stitcher holds the two MP4 downloads' segments twice.
  storage: "10240 MB",
  timeout: `${chunkWorkerSeconds} seconds`,
  // Ingest: a freed processing slot is handed to the owner's next queued video (quota/slots.ts).
  link: [ingest],
  environment: {
    ...names({ Media: bucket, Table: table, Events: events, ChunkQueue: chunkQueue }),
    ...ffmpegEnvironment,
    ...timeouts(chunkWorkerSeconds),
    ...environment("chunkWorker"),
    RUSHES_CHUNK_MAX_RECEIVES: String(chunkReceives),
  },
  permissions: [
    ...tableRights(table),
    publishRights(events),
    // The subscription polls with this role; a failed chunk's retry is brought forward
    // (Chunked.retrySoon); the stitcher fans the MP4 downloads' parts out (video/chunked/downloads.ts).
    receiveRights(chunkQueue, { changesVisibility: true }),
    sendRights(chunkQueue),
    ...chunkObjectRights(),
  ],
});

/**
 * A worker reads its chunk and the manifests (work/) and, stitching, the segments it joins
 * (media/); it writes segments, playlists and downloads (media/) and its manifest (work/); it
 * lists and deletes work/ once the video is ready. A ranged chunk of an MP4/MOV source reads
 * its range of the source itself, through a URL the worker presigns (sources/). Nothing under
 * uploads/.
 */
function chunkObjectRights() {
  return [
    { actions: ["s3:GetObject", "s3:PutObject"], resources: objects(bucket, "work/", "media/") },
    { actions: ["s3:GetObject"], resources: objects(bucket, "sources/") },
    { actions: ["s3:DeleteObject"], resources: objects(bucket, "work/") },
    // Listing work/ to clear it; and a storyboard tile a chunk did not make is skipped on its
    // NoSuchKey, which S3 answers only to a role that may list the bucket.
    listing(bucket),
  ];
}

// One chunk per invocation: the fan-out is the point, up to RUSHES_CHUNK_MAX_CONCURRENCY at once,
// so a long source cannot take the account's whole Lambda concurrency from the API.
chunkQueue.subscribe(chunkWorker.arn, {
  batch: { size: 1, partialResponses: true },
  transform: {
    eventSourceMapping: {
      scalingConfig: { maximumConcurrency: setting("RUSHES_CHUNK_MAX_CONCURRENCY") },
    },
  },
});

/**
 * The sweep (packages/functions/src/sweep.ts → core/src/sweep.ts): publishes unsent outbox
 * entries, re-drives processing leases that ran out (an async invoke of Ingest), expires uploads
 * never made, and re-enqueues clips whose worker died. So no video stays `processing` longer
 * than its lease plus one interval.
 */
const sweepSeconds = 300;

export const sweep = new sst.aws.Function("Sweep", {
  handler: "packages/functions/src/sweep.handler",
  runtime: "nodejs22.x",
  architecture: "arm64",
  timeout: "2 minutes",
  // Ingest's link grants lambda:InvokeFunction on it, and nothing else: it stays.
  link: [ingest],
  environment: {
    ...names({ Media: bucket, Table: table, Events: events, ClipQueue: clipQueue }),
    ...environment("sweep"),
    RUSHES_SWEEP_INTERVAL_SECONDS: String(sweepSeconds),
    // Leases store their own end; this only dates leases taken before they did.
    RUSHES_PROCESSING_TIMEOUT_SECONDS: timeouts(ingestSeconds).RUSHES_PROCESSING_TIMEOUT_SECONDS,
  },
  permissions: [
    // It scans for records from before the due index (Sweep.adoptLegacy, the upgrade step) and
    // deletes a deleted video's late history lines in batches (core/sweep.ts).
    ...tableRights(table, ["dynamodb:Scan", "dynamodb:BatchWriteItem"]),
    publishRights(events),
    sendRights(clipQueue),
    // HEAD of an upload whose event was lost, deleting one that came too late; the URL of a
    // clip in the clip events it publishes from the outbox.
    { actions: ["s3:GetObject", "s3:DeleteObject"], resources: objects(bucket, "uploads/") },
    { actions: ["s3:GetObject"], resources: objects(bucket, "clips/") },
    // An upload never made is the usual case: its HEAD must answer 404, not 403.
    listing(bucket),
  ],
});

// sst.aws.Cron is deprecated in SST 4.17 in favour of CronV2 (EventBridge Scheduler). A missed
// pass is made up by the next one five minutes later, so the scheduler does not retry it.
new sst.aws.CronV2("SweepSchedule", {
  schedule: `rate(${sweepSeconds / 60} minutes)`,
  function: sweep.arn,
  retries: 0,
});

export const mediaConvertComplete = mediaConvertRole ? createMediaConvertComplete() : undefined;

function createMediaConvertComplete() {
  const complete = new sst.aws.Function("MediaConvertComplete", {
    handler: "packages/functions/src/mediaconvert-complete.handler",
    runtime: "nodejs22.x",
    architecture: "arm64",
    timeout: "1 minute",
    // Ingest: a freed processing slot is handed to the owner's next queued video (quota/slots.ts).
    link: [ingest],
    environment: {
      ...names({ Media: bucket, Table: table, Events: events }),
      ...environment("mediaConvertComplete", { RUSHES_TRANSCODER: transcoder }),
    },
    permissions: [
      ...tableRights(table),
      publishRights(events),
      // Sizes of the job's outputs (HEAD) and the ladder's master playlist (media/); what was
      // written for a video deleted while it was transcoding (Outcome.removeIfDeleted).
      { actions: ["s3:GetObject"], resources: objects(bucket, "media/") },
      {
        actions: ["s3:DeleteObject"],
        resources: objects(bucket, "uploads/", "sources/", "media/"),
      },
      {
        actions: ["s3:ListBucket"],
        resources: [bucket.arn],
        conditions: [
          {
            test: "StringLike",
            variable: "s3:prefix",
            values: ["uploads/*", "sources/*", "media/*"],
          },
        ],
      },
    ],
  });
  // MediaConvert reports to the account's default event bus.
  sst.aws.Bus.subscribe(
    "MediaConvertComplete",
    aws.cloudwatch.getEventBusOutput({ name: "default" }).arn,
    complete,
    {
      pattern: {
        source: ["aws.mediaconvert"],
        detailType: ["MediaConvert Job State Change"],
        // Jobs carry their stage in UserMetadata: another stage's completions never arrive.
        detail: { status: ["COMPLETE", "ERROR"], userMetadata: { stage: [$app.stage] } },
      },
    },
  );
  return complete;
}
