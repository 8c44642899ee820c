// Infra contract: sst.config.ts on SST's own components, under Pulumi's mocks, wires what rushes needs.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { tableDefinition } from "../../packages/core/src/dynamo";
import {
  allowed,
  arnOf,
  component,
  type DeployedStack,
  deployStack,
  envOf,
  fnArgs,
  grants,
  lambdaOf,
  linksOf,
  mappingOf,
  resource,
  resourcePolicies,
  resources,
  root,
  statementsOf,
} from "./stack";

/** Each function and exactly what it links: only links that grant nothing, or one short right. */
const links: Record<string, string[]> = {
  // Ingest's link is lambda:InvokeFunction on it: a freed processing slot's hand-off
  // (quota/slots.ts) invokes Ingest.
  Api: ["AdminKey", "Cdn", "CdnPrivateKey", "Ingest", "WebhookKey"],
  Ingest: [],
  ClipWorker: [],
  ChunkWorker: ["Ingest"],
  MediaConvertComplete: ["Ingest"],
  // Ingest's link is lambda:InvokeFunction on it, and nothing else.
  Sweep: ["Ingest"],
  WebhookDispatcher: [],
  WebhookSender: ["WebhookKey"],
  Fetch: [],
  CaptionWorker: [],
  TranscribeComplete: [],
};

/** Each function and the resources it gets by name only (SST_RESOURCE_X), without a link. */
const named: Record<string, string[]> = {
  Api: [
    "CaptionQueue",
    "ClipQueue",
    "Events",
    "FetchQueue",
    "Media",
    "Table",
    "WebhookDeliveryQueue",
  ],
  Ingest: ["ChunkQueue", "Events", "Media", "Table"],
  ClipWorker: ["ClipQueue", "Events", "Media", "Table"],
  ChunkWorker: ["ChunkQueue", "Events", "Media", "Table"],
  MediaConvertComplete: ["Events", "Media", "Table"],
  Sweep: ["ClipQueue", "Events", "Media", "Table"],
  WebhookDispatcher: ["Table", "WebhookDeliveryQueue"],
  WebhookSender: ["Table", "WebhookDeliveryQueue"],
  Fetch: ["Events", "FetchQueue", "Media", "Table"],
  CaptionWorker: ["Events", "Media", "Table"],
  TranscribeComplete: ["Events", "Media", "Table"],
};

let ffmpeg: DeployedStack;
let mediaconvert: DeployedStack;

beforeAll(async () => {
  ffmpeg = await deployStack();
  mediaconvert = await deployStack({ env: { RUSHES_TRANSCODER: "mediaconvert" } });
});

const bucketArn = (s: DeployedStack) => arnOf(s, "Media");
const s3Rights = (s: DeployedStack, fn: string) =>
  statementsOf(s, fn).filter((st) => [st.Action].flat().some((a) => String(a).startsWith("s3:")));
const queueOf = (s: DeployedStack, name: string) =>
  resource(s, "aws:sqs/queue:Queue", `${name}Queue`).inputs as {
    visibilityTimeoutSeconds: number;
    messageRetentionSeconds?: number;
    redrivePolicy?: string;
  };
/** The EventBridge rules on events from one AWS service (`aws.mediaconvert`, `aws.transcribe`). */
const rulesFrom = (s: DeployedStack, source: string) =>
  resources(s, "aws:cloudwatch/eventRule:EventRule").filter((r) =>
    (JSON.parse(String(r.inputs.eventPattern)).source ?? []).includes(source),
  );
const mediaConvertRules = (s: DeployedStack) => rulesFrom(s, "aws.mediaconvert");
const redrive = (s: DeployedStack, name: string) =>
  JSON.parse(queueOf(s, name).redrivePolicy!) as {
    deadLetterTargetArn: string;
    maxReceiveCount: number;
  };

describe("the stack", () => {
  test.each([
    ["ffmpeg", () => ffmpeg],
    ["mediaconvert", () => mediaconvert],
  ])("%s: every resource registers and every output resolves", (_, stack) => {
    // A resource made but never registered waits on an input that never resolves: a deadlock
    // that would hang `sst deploy` at the same place.
    expect(stack().pending, "resources still waiting on their inputs").toEqual([]);
    expect(stack().unresolved).toEqual([]);
    expect(Object.keys(stack().outputs).sort()).toEqual(["api", "bucket", "cdn", "web"]);
    for (const [name, value] of Object.entries(stack().outputs)) {
      expect(value, name).toMatch(/\S/);
    }
  });
});

describe("storage", () => {
  test("the table's fields and indexes are ElectroDB's", () => {
    const { fields, primaryIndex, globalIndexes } = component(
      ffmpeg,
      "sst:aws:Dynamo",
      "Table",
    ).args;
    expect({ fields, primaryIndex, globalIndexes }).toEqual(tableDefinition());
    const table = resource(ffmpeg, "aws:dynamodb/table:Table", "TableTable").inputs as {
      hashKey: string;
      rangeKey: string;
      globalSecondaryIndexes: { name: string; hashKey: string; rangeKey: string }[];
    };
    expect([table.hashKey, table.rangeKey]).toEqual(["pk", "sk"]);
    expect(table.globalSecondaryIndexes.map((i) => [i.name, i.hashKey, i.rangeKey]).sort()).toEqual(
      Object.entries(tableDefinition().globalIndexes).map(([name, i]) => [
        name,
        i.hashKey,
        i.rangeKey,
      ]),
    );
  });

  test("the bucket is never public", () => {
    const args = component(ffmpeg, "sst:aws:Bucket", "Media").args;
    expect(args.access).toBeUndefined();
    expect(args.public).toBeUndefined();
    expect(
      resource(
        ffmpeg,
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "MediaPublicAccessBlock",
      ).inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const policy = resourcePolicies(ffmpeg).bucket!;
    const anyone = policy.Statement.filter(
      (s) => s.Effect === "Allow" && JSON.stringify(s.Principal).includes('"*"'),
    );
    expect(anyone).toEqual([]);
  });

  test("bucket CORS admits only the web origin, for uploads (POST, multipart PUT) and reads", () => {
    const cors = resource(
      ffmpeg,
      "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration",
      "MediaCors",
    ).inputs.corsRules as Record<string, string[]>[];
    expect(cors).toHaveLength(1);
    const [rule] = cors;
    expect(rule!.allowedOrigins).toEqual([ffmpeg.outputs.web]);
    expect(rule!.allowedMethods).toContain("POST");
    expect(rule!.allowedMethods).toContain("PUT");
    expect(rule!.allowedMethods!.every((m) => ["GET", "HEAD", "POST", "PUT"].includes(m))).toBe(
      true,
    );
    expect(rule!.allowedHeaders).not.toContain("*");
    // A browser must read each part's ETag to complete a multipart upload.
    expect(rule!.exposeHeaders).toContain("ETag");
  });

  const rules = (s: DeployedStack) =>
    resource(
      s,
      "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
      "MediaLifecycle",
    ).inputs.rules as {
      id: string;
      status: string;
      filter?: { prefix?: string };
      expiration?: { days?: number };
      abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
    }[];

  test("incomplete multipart uploads are aborted after 7 days, under uploads/ and sources/", async () => {
    const aborting = rules(ffmpeg).filter((r) => r.abortIncompleteMultipartUpload);
    expect(
      aborting.map((r) => [r.filter?.prefix, r.status, r.abortIncompleteMultipartUpload]),
    ).toEqual([
      ["uploads/", "Enabled", { daysAfterInitiation: 7 }],
      // Ingest copies a large source to sources/ in parts; a killed copy leaves parts behind.
      ["sources/", "Enabled", { daysAfterInitiation: 7 }],
    ]);
    // The API's multipart expiry is the same 7 days, so a video expires when its parts go.
    const { Multipart } = await import("../../packages/core/src/storage/multipart");
    expect(Multipart.abortAfterDays).toBe(7);
  });

  test("lifecycle rules: leftovers under uploads/ and work/ expire in 2 days, nothing else does", () => {
    const all = rules(ffmpeg);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    const expiring = all.filter((r) => r.expiration);
    expect(expiring.map((r) => [r.filter?.prefix, r.expiration?.days])).toEqual([
      ["uploads/", 2],
      ["work/", 2],
    ]);
    // Every rule names a prefix: none may touch sources/, media/ or clips/ but to abort parts.
    for (const rule of all) expect(rule.filter?.prefix, rule.id).toBeTruthy();
  });

  test("the secrets have no default: a stage cannot deploy until `sst secret set`", () => {
    const secrets = ffmpeg.components.filter((c) => c.type === "sst:sst:Secret");
    expect(secrets.map((s) => s.name).sort()).toEqual(["AdminKey", "CdnPrivateKey", "WebhookKey"]);
    for (const secret of secrets) expect(secret.args, secret.name).toEqual({});
  });
});

describe("processing", () => {
  test("the bucket notifies ingest of objects created under uploads/ only", () => {
    const [notification, ...more] = resources(
      ffmpeg,
      "aws:s3/bucketNotification:BucketNotification",
    );
    expect(more).toHaveLength(0);
    expect(notification!.inputs.bucket).toBe(ffmpeg.outputs.bucket);
    const functions = notification!.inputs.lambdaFunctions as Record<string, unknown>[];
    expect(functions).toHaveLength(1);
    // `*` covers Post (presigned POST) and CompleteMultipartUpload (multipart) alike.
    expect(functions[0]).toMatchObject({
      events: ["s3:ObjectCreated:*"],
      filterPrefix: "uploads/",
      lambdaFunctionArn: arnOf(ffmpeg, "Ingest"),
    });
    expect(functions[0]!.filterSuffix).toBeUndefined();
  });

  /**
   * A queue a worker drains one message per invocation: a visibility of at least 6 × the worker's
   * timeout, its DLQ, partial batch responses and a cap on concurrent workers. Returns the worker's
   * function and the queue's redrive policy for the checks that differ.
   */
  function expectWorkerQueue(queue: string, worker: string, deadLetters: string, cap: number) {
    const fn = lambdaOf(ffmpeg, worker);
    expect(queueOf(ffmpeg, queue).visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * fn.timeout);
    const dlq = redrive(ffmpeg, queue);
    expect(dlq.deadLetterTargetArn).toBe(arnOf(ffmpeg, deadLetters));
    const mapping = mappingOf(ffmpeg, queue);
    expect(mapping.functionName).toBe(arnOf(ffmpeg, worker));
    expect(mapping.batchSize).toBe(1);
    expect(mapping.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(mapping.scalingConfig).toEqual({ maximumConcurrency: cap });
    return { worker: fn, dlq };
  }

  test("the clip queue: a DLQ, 6 × the worker timeout, one partial batch per invocation, at most 20 at once", () => {
    const { dlq } = expectWorkerQueue("ClipQueue", "ClipWorker", "ClipDeadLetters", 20);
    // The worker marks a clip failed on its last attempt, before the DLQ would take the message.
    expect(dlq.maxReceiveCount).toBeGreaterThan(
      Number(envOf(ffmpeg, "ClipWorker").RUSHES_MAX_ATTEMPTS),
    );
  });

  test("the chunk queue: a DLQ after the worker's last attempt, 6 × its timeout, one chunk per invocation, at most 100 at once", () => {
    const { worker, dlq } = expectWorkerQueue("ChunkQueue", "ChunkWorker", "ChunkDeadLetters", 100);
    // The worker fails the video on the receive SQS would otherwise move to the DLQ.
    expect(dlq.maxReceiveCount).toBe(
      Number(envOf(ffmpeg, "ChunkWorker").RUSHES_CHUNK_MAX_RECEIVES),
    );

    // ffmpeg as the other media functions get it, and /tmp for a chunk, its ladder and the stitch.
    const ingest = lambdaOf(ffmpeg, "Ingest");
    expect(worker.architectures).toEqual(ingest.architectures);
    expect(ffmpeg.builds.ChunkWorker!.install).toEqual(ffmpeg.builds.Ingest!.install);
    expect(envOf(ffmpeg, "ChunkWorker").FFMPEG_PATH).toBe(envOf(ffmpeg, "Ingest").FFMPEG_PATH);
    expect(worker.ephemeralStorage.size).toBeGreaterThanOrEqual(2048);
  });

  test("the fetch queue: a DLQ after the function's last receive, 6 × its 15-minute timeout, one fetch per invocation, at most 20 at once", () => {
    const { worker, dlq } = expectWorkerQueue("FetchQueue", "Fetch", "FetchDeadLetters", 20);
    expect(worker.timeout).toBe(900);
    // The function fails the video (fetch_failed) on the receive SQS would move to the DLQ.
    expect(dlq.maxReceiveCount).toBe(Number(envOf(ffmpeg, "Fetch").RUSHES_FETCH_MAX_RECEIVES));
    // A continuation goes on its own queue; the API sends a URL ingest's first message.
    const queue = arnOf(ffmpeg, "FetchQueue");
    expect(grants(statementsOf(ffmpeg, "Fetch"), "sqs:SendMessage", queue)).toBe(true);
    expect(grants(statementsOf(ffmpeg, "Api"), "sqs:SendMessage", queue)).toBe(true);
  });

  test("the fetch function's object rights: its multipart upload under uploads/, nothing else", () => {
    const arn = bucketArn(ffmpeg);
    expect(s3Rights(ffmpeg, "Fetch")).toEqual([
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
        Resource: `${arn}/uploads/*`,
      },
    ]);
    expect(grants(statementsOf(ffmpeg, "Fetch"), "s3:GetObject", `${arn}/sources/x`)).toBe(false);
    // Its own video by key: no query, scan or delete on the table.
    const table = arnOf(ffmpeg, "Table");
    for (const action of ["dynamodb:Query", "dynamodb:Scan", "dynamodb:DeleteItem"]) {
      expect(grants(statementsOf(ffmpeg, "Fetch"), action, table), action).toBe(false);
    }
  });

  test("the chunk worker's object rights: work/ and media/, reading sources/, nothing else", () => {
    const arn = bucketArn(ffmpeg);
    expect(s3Rights(ffmpeg, "ChunkWorker")).toEqual([
      {
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject"],
        Resource: [`${arn}/work/*`, `${arn}/media/*`],
      },
      { Effect: "Allow", Action: "s3:GetObject", Resource: `${arn}/sources/*` },
      { Effect: "Allow", Action: "s3:DeleteObject", Resource: `${arn}/work/*` },
      { Effect: "Allow", Action: "s3:ListBucket", Resource: arn },
    ]);
  });

  test("a ranged chunk of an MP4/MOV source: the worker may read the source it presigns", async () => {
    const { ObjectKeys } = await import("../../packages/core/src/storage/object-keys");
    // Chunked.encode presigns a GET of sources/{videoId}/source with the worker's own role
    // (Storage.presignRead); S3 answers that URL with the signer's rights.
    const key = ObjectKeys.original("vid_01HZX");
    expect(
      grants(statementsOf(ffmpeg, "ChunkWorker"), "s3:GetObject", `${bucketArn(ffmpeg)}/${key}`),
    ).toBe(true);
  });

  test("a failed chunk's retry can be brought forward; a killed one waits out the visibility timeout", () => {
    const queue = arnOf(ffmpeg, "ChunkQueue");
    // The worker shortens a failed message's visibility (Chunked.retrySoon) on this queue.
    expect(grants(statementsOf(ffmpeg, "ChunkWorker"), "sqs:ChangeMessageVisibility", queue)).toBe(
      true,
    );
    // A killed stitcher's claim has gone stale by the time its message comes back.
    expect(queueOf(ffmpeg, "ChunkQueue").visibilityTimeoutSeconds).toBeGreaterThan(
      Number(envOf(ffmpeg, "ChunkWorker").RUSHES_PROCESSING_TIMEOUT_SECONDS),
    );
  });

  test("timeouts: ffmpeg stops before its function; a lease outlives it", () => {
    for (const name of ["Ingest", "ClipWorker", "ChunkWorker"]) {
      const limit = lambdaOf(ffmpeg, name).timeout;
      const env = envOf(ffmpeg, name);
      expect(limit).toBeLessThanOrEqual(900);
      expect(Number(env.RUSHES_FFMPEG_TIMEOUT_SECONDS)).toBeLessThan(limit);
      expect(Number(env.RUSHES_PROCESSING_TIMEOUT_SECONDS)).toBeGreaterThan(limit);
    }
    // Lambda's first async retry comes a minute after a failure: by then the lease has expired.
    expect(Number(envOf(ffmpeg, "Ingest").RUSHES_PROCESSING_TIMEOUT_SECONDS)).toBeLessThan(
      lambdaOf(ffmpeg, "Ingest").timeout + 60,
    );
  });

  test("ingest re-checks the API's 5 TiB limit, with Lambda's largest /tmp", () => {
    const maxUpload = Number(envOf(ffmpeg, "Ingest").RUSHES_MAX_UPLOAD_BYTES);
    expect(maxUpload).toBe(Number(envOf(ffmpeg, "Api").RUSHES_MAX_UPLOAD_BYTES));
    expect(maxUpload).toBe(5 * 1024 ** 4);
    // Sources that do not fit with their renditions fail `insufficient_storage` (Ingest.process).
    expect(lambdaOf(ffmpeg, "Ingest").ephemeralStorage.size).toBe(10240);
  });

  test("the captions queue: a DLQ, 6 × the worker timeout, one request per invocation, at most 10 at once", () => {
    const { dlq } = expectWorkerQueue("CaptionQueue", "CaptionWorker", "CaptionDeadLetters", 10);
    expect(dlq.maxReceiveCount).toBeGreaterThanOrEqual(2);
    expect(envOf(ffmpeg, "CaptionWorker").RUSHES_CAPTIONER).toBe("transcribe");
  });

  test("the caption worker starts Transcribe jobs with the S3 rights Transcribe uses as its caller", () => {
    const statements = statementsOf(ffmpeg, "CaptionWorker");
    const bucket = bucketArn(ffmpeg);
    expect(grants(statements, "transcribe:StartTranscriptionJob", "*")).toBe(true);
    expect(grants(statements, "s3:GetObject", `${bucket}/media/vid_a/480p.mp4`)).toBe(true);
    expect(grants(statements, "s3:GetObject", `${bucket}/sources/vid_a/source`)).toBe(true);
    expect(grants(statements, "s3:PutObject", `${bucket}/work/captions/vid_a/job.vtt`)).toBe(true);
    expect(grants(statements, "s3:PutObject", `${bucket}/media/vid_a/720p.mp4`)).toBe(false);
    expect(grants(statements, "s3:GetObject", `${bucket}/uploads/vid_a/source`)).toBe(false);
    // No other function may start a job.
    for (const fn of Object.keys(ffmpeg.builds).filter((f) => f !== "CaptionWorker")) {
      expect(grants(statementsOf(ffmpeg, fn), "transcribe:StartTranscriptionJob", "*"), fn).toBe(
        false,
      );
    }
  });

  test("video.ready alone reaches the captions queue, raw, for uploads that asked for captions", () => {
    const subscriptions = resources(ffmpeg, "aws:sns/topicSubscription:TopicSubscription");
    expect(subscriptions.map((s) => s.inputs.endpoint).sort()).toEqual(
      [arnOf(ffmpeg, "CaptionQueue"), arnOf(ffmpeg, "WebhookDispatchQueue")].sort(),
    );
    const [subscription] = subscriptions.filter(
      (s) => s.inputs.endpoint === arnOf(ffmpeg, "CaptionQueue"),
    );
    expect(subscription!.inputs).toMatchObject({
      topic: arnOf(ffmpeg, "Events"),
      protocol: "sqs",
      rawMessageDelivery: true,
    });
    expect(JSON.parse(String(subscription!.inputs.filterPolicy))).toEqual({
      type: ["video.ready"],
    });
    const policy = resourcePolicies(ffmpeg).queues.CaptionQueue!;
    expect(
      policy.Statement.some(
        (s) =>
          s.Action === "sqs:SendMessage" &&
          JSON.stringify(s.Principal).includes("sns.amazonaws.com") &&
          s.Resource === arnOf(ffmpeg, "CaptionQueue"),
      ),
    ).toBe(true);
  });

  test("Transcribe's job state changes for this stage's jobs reach transcribe-complete, in both modes", () => {
    for (const d of [ffmpeg, mediaconvert]) {
      const [rule, ...more] = rulesFrom(d, "aws.transcribe");
      expect(more).toHaveLength(0);
      expect(rule!.inputs.eventBusName ?? "default").toMatch(/(^|\/)default$/);
      expect(JSON.parse(String(rule!.inputs.eventPattern))).toEqual({
        source: ["aws.transcribe"],
        "detail-type": ["Transcribe Job State Change"],
        // Job names start with app.stage. (captions/auto/transcribe.ts names them).
        detail: {
          TranscriptionJobStatus: ["COMPLETED", "FAILED"],
          TranscriptionJobName: [{ prefix: "rushes.test." }],
        },
      });
      const [target] = resources(d, "aws:cloudwatch/eventTarget:EventTarget").filter(
        (t) => t.inputs.rule === rule!.state.name,
      );
      expect(target!.inputs.arn).toBe(arnOf(d, "TranscribeComplete"));
    }
  });

  test("ffmpeg mode: no MediaConvert role, rule, function or permissions", () => {
    expect(envOf(ffmpeg, "Ingest").RUSHES_TRANSCODER).toBe("ffmpeg");
    // Long sources are chunked, so both modes keep the 6 h default cap.
    expect(envOf(ffmpeg, "Ingest").RUSHES_MAX_DURATION_SECONDS).toBeUndefined();
    expect(envOf(mediaconvert, "Ingest").RUSHES_MAX_DURATION_SECONDS).toBeUndefined();
    expect(resources(ffmpeg, "aws:iam/role:Role").map((r) => r.name)).not.toContain(
      "MediaConvertRole",
    );
    expect(mediaConvertRules(ffmpeg)).toEqual([]);
    expect(Object.keys(ffmpeg.builds)).not.toContain("MediaConvertComplete");
    expect(Object.keys(mediaconvert.builds)).toContain("MediaConvertComplete");
    const actions = allowed(statementsOf(ffmpeg, "Ingest")).map((a) => a.split(" ")[0]!);
    expect(actions.some((a) => a.startsWith("mediaconvert:") || a.startsWith("iam:"))).toBe(false);
  });

  test("ingest may invoke itself, and no other function, to start an owner's next queued video", () => {
    for (const d of [ffmpeg, mediaconvert]) {
      const invokes = allowed(statementsOf(d, "Ingest")).filter((a) => a.startsWith("lambda:"));
      expect(invokes).toEqual([`lambda:InvokeFunction ${arnOf(d, "Ingest")}`]);
    }
  });

  test("ingest reads uploads/, moves them to sources/, writes media/ and work/, and nothing else", () => {
    for (const d of [ffmpeg, mediaconvert]) {
      const arn = bucketArn(d);
      expect(s3Rights(d, "Ingest")).toEqual([
        // Read the upload; delete it once moved, or when it must be refused.
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:DeleteObject"],
          Resource: `${arn}/uploads/*`,
        },
        // A large source is copied in parts: a failed copy aborts what it started.
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
          Resource: `${arn}/sources/*`,
        },
        // Delete: what it wrote for a video whose delete won the race.
        {
          Effect: "Allow",
          Action: ["s3:PutObject", "s3:DeleteObject"],
          Resource: [`${arn}/media/*`, `${arn}/work/*`],
        },
        // Listing: what it wrote for a deleted video; and a vanished source answers 404.
        { Effect: "Allow", Action: "s3:ListBucket", Resource: arn },
      ]);
    }
  });

  test("functions still read the bucket's name as Resource.Media, as a link delivers it", () => {
    for (const fn of ["Api", "Ingest", "ClipWorker", "ChunkWorker", "Sweep"]) {
      expect(JSON.parse(envOf(ffmpeg, fn).SST_RESOURCE_Media!), fn).toEqual({
        name: ffmpeg.outputs.bucket,
        type: "sst.aws.Bucket",
      });
    }
  });

  test("mediaconvert mode: a role MediaConvert assumes, reading sources/ and writing media/", () => {
    const role = resource(mediaconvert, "aws:iam/role:Role", "MediaConvertRole");
    expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "mediaconvert.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ]);
    const arn = bucketArn(mediaconvert);
    expect(resourcePolicies(mediaconvert).mediaConvertRole!.flatMap((d) => d.Statement)).toEqual([
      // Ingest moves the validated source to sources/ before submitting: no presign reaches it.
      { Effect: "Allow", Action: "s3:GetObject", Resource: `${arn}/sources/*` },
      { Effect: "Allow", Action: "s3:PutObject", Resource: `${arn}/media/*` },
    ]);
  });

  test("mediaconvert mode: ingest may create jobs and pass only that role, to MediaConvert only", () => {
    const roleArn = arnOf(mediaconvert, "MediaConvertRole");
    expect(envOf(mediaconvert, "Ingest").RUSHES_TRANSCODER).toBe("mediaconvert");
    expect(envOf(mediaconvert, "Ingest").RUSHES_MEDIACONVERT_ROLE_ARN).toBe(roleArn);
    const statements = statementsOf(mediaconvert, "Ingest");
    expect(statements).toContainEqual({
      Effect: "Allow",
      Action: "mediaconvert:CreateJob",
      Resource: "*",
    });
    expect(statements).toContainEqual({
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: roleArn,
      Condition: { StringEquals: { "iam:PassedToService": "mediaconvert.amazonaws.com" } },
    });
    expect(allowed(statements).filter((a) => a.startsWith("iam:"))).toEqual([
      `iam:PassRole ${roleArn}`,
    ]);
  });

  test("mediaconvert mode: job state changes on the default bus reach mediaconvert-complete", () => {
    const [rule, ...more] = mediaConvertRules(mediaconvert);
    expect(more).toHaveLength(0);
    expect(rule!.inputs.eventBusName ?? "default").toMatch(/(^|\/)default$/);
    expect(JSON.parse(String(rule!.inputs.eventPattern))).toEqual({
      source: ["aws.mediaconvert"],
      "detail-type": ["MediaConvert Job State Change"],
      // Only this stage's jobs (ingest puts the stage in each job's UserMetadata).
      detail: { status: ["COMPLETE", "ERROR"], userMetadata: { stage: ["test"] } },
    });
    const [target] = resources(mediaconvert, "aws:cloudwatch/eventTarget:EventTarget").filter(
      (t) => t.inputs.rule === rule!.state.name,
    );
    expect(target!.inputs.arn).toBe(arnOf(mediaconvert, "MediaConvertComplete"));
  });

  test("ingest records an event it could not handle on IngestFailures, after its retries", () => {
    for (const d of [ffmpeg, mediaconvert]) {
      const config = resource(
        d,
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
        "IngestEventInvokeConfig",
      ).inputs as {
        maximumRetryAttempts: number;
        destinationConfig: { onFailure: { destination: string } };
      };
      expect(config.maximumRetryAttempts).toBe(2);
      const failures = arnOf(d, "IngestFailures");
      expect(config.destinationConfig.onFailure.destination).toBe(failures);
      // Lambda sends it with the function's role.
      expect(grants(statementsOf(d, "Ingest"), "sqs:SendMessage", failures)).toBe(true);
      expect(queueOf(d, "IngestFailures").messageRetentionSeconds).toBe(14 * 24 * 3600);
    }
  });

  test("the sweep runs every 5 minutes (CronV2) and may invoke ingest, within a lease plus one interval", () => {
    expect(ffmpeg.components.filter((c) => c.type === "sst:aws:Cron")).toEqual([]);
    const [schedule, ...more] = resources(ffmpeg, "aws:scheduler/schedule:Schedule");
    expect(more).toHaveLength(0);
    expect(schedule!.inputs.scheduleExpression).toBe("rate(5 minutes)");
    expect((schedule!.inputs.target as { arn: string }).arn).toBe(arnOf(ffmpeg, "Sweep"));
    const sweep = lambdaOf(ffmpeg, "Sweep");
    expect(sweep.handler).toBe("packages/functions/src/sweep.handler");
    expect(envOf(ffmpeg, "Sweep").RUSHES_SWEEP_INTERVAL_SECONDS).toBe("300");
    // The sweep dates legacy leases with ingest's clock; both must agree.
    expect(envOf(ffmpeg, "Sweep").RUSHES_PROCESSING_TIMEOUT_SECONDS).toBe(
      envOf(ffmpeg, "Ingest").RUSHES_PROCESSING_TIMEOUT_SECONDS,
    );
    expect(
      grants(statementsOf(ffmpeg, "Sweep"), "lambda:InvokeFunction", arnOf(ffmpeg, "Ingest")),
    ).toBe(true);
    // A pass must end well inside its interval, so passes never pile up.
    expect(sweep.timeout).toBeLessThan(300);
  });

  test.each([
    // Storage.head of an upload never made: the usual case for the sweep.
    ["Sweep", "uploads/vid_x/source"],
    // Storage.head of a source gone before ingest read it (`source_missing`).
    ["Ingest", "sources/vid_x/source"],
    // A storyboard tile a chunk did not make, skipped on NoSuchKey by the stitch.
    ["ChunkWorker", "work/vid_x/tiles/0.jpg"],
  ])("%s tells a missing %s (404) from a refused read (403)", (fn, key) => {
    // The code takes only 404 for "missing"; S3 answers 404 for a missing key only to a role
    // that may list the bucket, unconditionally (a GET or HEAD carries no s3:prefix).
    const statements = statementsOf(ffmpeg, fn);
    expect(grants(statements, "s3:ListBucket", bucketArn(ffmpeg))).toBe(true);
    expect(grants(statements, "s3:GetObject", `${bucketArn(ffmpeg)}/${key}`)).toBe(true);
  });

  test("an unknown transcoder fails the deploy", async () => {
    await expect(deployStack({ env: { RUSHES_TRANSCODER: "handbrake" } })).rejects.toThrow(
      /RUSHES_TRANSCODER/,
    );
  });
});

describe("webhooks", () => {
  test("every published event reaches the dispatch queue, unfiltered", () => {
    const [subscription, ...more] = resources(
      ffmpeg,
      "aws:sns/topicSubscription:TopicSubscription",
    ).filter((s) => s.inputs.endpoint === arnOf(ffmpeg, "WebhookDispatchQueue"));
    expect(more).toHaveLength(0);
    expect(subscription!.inputs).toMatchObject({
      topic: arnOf(ffmpeg, "Events"),
      protocol: "sqs",
      endpoint: arnOf(ffmpeg, "WebhookDispatchQueue"),
    });
    expect(subscription!.inputs.filterPolicy).toBeUndefined();
    // The queue lets SNS deliver to it.
    const policy = resourcePolicies(ffmpeg).queues.WebhookDispatchQueue!;
    expect(
      policy.Statement.some(
        (s) =>
          s.Action === "sqs:SendMessage" &&
          JSON.stringify(s.Principal).includes("sns.amazonaws.com") &&
          s.Resource === arnOf(ffmpeg, "WebhookDispatchQueue"),
      ),
    ).toBe(true);
  });

  test.each([
    ["WebhookDispatchQueue", "WebhookDispatchDeadLetters", "WebhookDispatcher"],
    ["WebhookDeliveryQueue", "WebhookDeliveryDeadLetters", "WebhookSender"],
  ])("%s has the DLQ %s and feeds %s with partial batch responses", (name, dlq, fn) => {
    expect(redrive(ffmpeg, name).deadLetterTargetArn).toBe(arnOf(ffmpeg, dlq));
    expect(redrive(ffmpeg, name).maxReceiveCount).toBeGreaterThanOrEqual(3);
    expect(queueOf(ffmpeg, dlq).messageRetentionSeconds).toBeGreaterThanOrEqual(14 * 24 * 3600);
    expect(queueOf(ffmpeg, name).visibilityTimeoutSeconds).toBeGreaterThanOrEqual(
      6 * lambdaOf(ffmpeg, fn).timeout,
    );
    const mapping = mappingOf(ffmpeg, name);
    expect(mapping.functionName).toBe(arnOf(ffmpeg, fn));
    expect(mapping.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
  });

  test.each([
    ["WebhookDispatchQueue", "WebhookDispatcher"],
    ["WebhookDeliveryQueue", "WebhookSender"],
    ["ClipQueue", "ClipWorker"],
    ["ChunkQueue", "ChunkWorker"],
    ["FetchQueue", "Fetch"],
  ])("the event source mapping may poll %s with %s's role", (queue, fn) => {
    // Lambda polls with the function's role. SST grants these only to a subscriber it builds
    // itself; each of these is subscribed by ARN.
    const arn = arnOf(ffmpeg, queue);
    for (const action of ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]) {
      expect(grants(statementsOf(ffmpeg, fn), action, arn), `${fn} ${action}`).toBe(true);
    }
  });

  test("an attempt, with its lease slack, fits in the sender's timeout", () => {
    expect(
      Number(envOf(ffmpeg, "WebhookSender").RUSHES_WEBHOOK_TIMEOUT_SECONDS) + 30,
    ).toBeLessThanOrEqual(lambdaOf(ffmpeg, "WebhookSender").timeout);
  });
});

describe("functions", () => {
  test("each function links only what grants nothing (or one short right), and gets the rest by name", () => {
    for (const d of [ffmpeg, mediaconvert]) {
      const expected = Object.keys(links).filter(
        (name) => d === mediaconvert || name !== "MediaConvertComplete",
      );
      expect(Object.keys(d.builds).sort()).toEqual(expected.sort());
      for (const fn of expected) {
        expect(linksOf(d, fn), fn).toEqual(links[fn]);
        const delivered = Object.keys(envOf(d, fn))
          .flatMap((k) => /^SST_RESOURCE_(\w+)$/.exec(k)?.[1] ?? [])
          .filter((r) => r !== "App")
          .sort();
        expect(delivered, fn).toEqual(named[fn]);
      }
    }
  });

  test("no function gets a whole service: no s3:*, dynamodb:*, sqs:*, sns:* and no whole bucket", () => {
    for (const d of [ffmpeg, mediaconvert]) {
      for (const fn of Object.keys(d.builds)) {
        const grantsOf = allowed(statementsOf(d, fn));
        const wide = grantsOf.filter((g) => /^(\*|s3:\*|dynamodb:\*|sqs:\*|sns:\*) /.test(g));
        expect(wide, fn).toEqual([]);
        expect(
          grantsOf.filter((g) => g.endsWith(` ${bucketArn(d)}/*`)),
          fn,
        ).toEqual([]);
      }
    }
  });

  test("an index gets only Query (and the sweep's Scan): item actions apply to the table alone", () => {
    // Fetch and the caption functions read and write their records by key, and query nothing.
    const byKeyOnly = ["Fetch", "CaptionWorker", "TranscribeComplete"];
    const expected = (fn: string) =>
      fn === "Sweep"
        ? ["dynamodb:Query", "dynamodb:Scan"]
        : byKeyOnly.includes(fn)
          ? []
          : ["dynamodb:Query"];
    for (const fn of Object.keys(mediaconvert.builds)) {
      const onIndexes = allowed(statementsOf(mediaconvert, fn))
        .filter((g) => g.endsWith(`${arnOf(mediaconvert, "Table")}/index/*`))
        .map((g) => g.split(" ")[0]);
      expect(onIndexes, fn).toEqual(expected(fn));
    }
  });

  test("no function may scan the table but the sweep", () => {
    for (const fn of Object.keys(mediaconvert.builds)) {
      const scans = grants(
        statementsOf(mediaconvert, fn),
        "dynamodb:Scan",
        arnOf(mediaconvert, "Table"),
      );
      expect(scans, fn).toBe(fn === "Sweep");
    }
  });

  test("every function runs nodejs22.x on an explicit architecture", () => {
    for (const fn of Object.keys(mediaconvert.builds)) {
      expect(lambdaOf(mediaconvert, fn).runtime, fn).toBe("nodejs22.x");
      expect(fnArgs(mediaconvert, fn).architecture, fn).toMatch(/^(x86_64|arm64)$/);
    }
  });

  test("the API's bucket rights: multipart, presigning and deletion under named prefixes, nothing wider", async () => {
    const arn = bucketArn(ffmpeg);
    const rights = s3Rights(ffmpeg, "Api");
    expect(rights).toEqual([
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
        Resource: `${arn}/uploads/*`,
      },
      // Uploaded subtitle tracks, and nothing else under media/.
      { Effect: "Allow", Action: "s3:PutObject", Resource: `${arn}/media/*/captions/*` },
      {
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: ["uploads", "sources", "media", "clips"].map((p) => `${arn}/${p}/*`),
      },
      {
        Effect: "Allow",
        Action: "s3:DeleteObject",
        Resource: ["uploads", "sources", "media"].map((p) => `${arn}/${p}/*`),
      },
      { Effect: "Allow", Action: "s3:ListBucket", Resource: arn },
    ]);
    // A delete reaches every prefix that can hold a video's objects (what Video.remove clears).
    const { ObjectKeys } = await import("../../packages/core/src/storage/object-keys");
    const cleared = ObjectKeys.videoPrefixes("vid_x").map((p) => `${arn}/${p.split("/")[0]}/*`);
    expect(rights.find((r) => r.Action === "s3:DeleteObject")?.Resource).toEqual(cleared);
  });

  test("API CORS: only the web origin, only the methods and headers the client sends", () => {
    const cors = resource(ffmpeg, "aws:lambda/functionUrl:FunctionUrl", "ApiUrl").inputs
      .cors as Record<string, unknown>;
    expect(cors.allowOrigins).toEqual([ffmpeg.outputs.web]);
    expect((cors.allowMethods as string[]).sort()).toEqual(["DELETE", "GET", "POST", "PUT"]);
    // The web client makes its creating POSTs idempotent.
    expect((cors.allowHeaders as string[]).sort()).toEqual([
      "authorization",
      "content-type",
      "idempotency-key",
    ]);
    expect(cors.allowCredentials ?? false).toBe(false);
  });

  test("API: split into chunks, so a cold start loads only what routing needs (bench/api.ts measures it so)", () => {
    expect(ffmpeg.builds.Api!.splitting).toBe(true);
  });

  test("API docs: the page and everything it loads are copied beside the handler", () => {
    const copies = fnArgs(ffmpeg, "Api").copyFiles as { from: string; to: string }[];
    expect(copies.map((c) => c.to).sort()).toEqual([
      "docs/favicon.svg",
      "docs/index.html",
      "docs/scalar.js",
    ]);
    for (const { from } of copies) expect(existsSync(path.join(root, from)), from).toBe(true);
    // The page may only reference files that are copied (packages/functions/src/api/docs.ts).
    const page = readFileSync(
      path.join(root, "packages/functions/src/api/docs/index.html"),
      "utf8",
    );
    const refs = [...page.matchAll(/(?:src|href)="\/docs\/([^"]+)"/g)].map((m) => `docs/${m[1]}`);
    expect(refs.sort()).toEqual(["docs/favicon.svg", "docs/scalar.js"]);
  });

  test("sst dev: CORS admits the Vite dev server, and functions find ffmpeg themselves", async () => {
    const dev = await deployStack({ stage: "alice", dev: true });
    expect(dev.pending).toEqual([]);
    const cors = resource(dev, "aws:lambda/functionUrl:FunctionUrl", "ApiUrl").inputs.cors as {
      allowOrigins: string[];
    };
    expect(cors.allowOrigins).toEqual(["http://localhost:5173"]);
    expect(fnArgs(dev, "Ingest").environment.FFMPEG_PATH).toBeUndefined();
  }, 120_000);
});

describe("web and app", () => {
  test("the site is packages/web, built with the API URL and upload limit", () => {
    expect(component(ffmpeg, "sst:aws:StaticSite", "Web").args.path).toBe("packages/web");
    const build = resource(ffmpeg, "command:local:Command", "WebBuilder").inputs as {
      create: string;
      dir: string;
      environment: Record<string, string>;
    };
    expect(build.create).toBe("npm run build");
    expect(build.dir).toMatch(/packages\/web$/);
    expect(build.environment.VITE_API_URL).toBe(ffmpeg.outputs.api);
    expect(build.environment.VITE_MAX_UPLOAD_BYTES).toBe(
      envOf(ffmpeg, "Api").RUSHES_MAX_UPLOAD_BYTES,
    );
  });

  test("run() returns the API URL, the web URL, the bucket name and the CDN's domain", () => {
    expect(ffmpeg.outputs).toEqual({
      api: resource(ffmpeg, "aws:lambda/functionUrl:FunctionUrl", "ApiUrl").state.functionUrl,
      web: `https://${resource(ffmpeg, "aws:cloudfront/distribution:Distribution", "WebCdnDistribution").state.domainName}`,
      bucket: resource(ffmpeg, "aws:s3/bucket:Bucket", "MediaBucket").state.bucket,
      cdn: resource(ffmpeg, "aws:cloudfront/distribution:Distribution", "Cdn").state.domainName,
    });
  });

  test("production stages retain data and refuse `sst remove`; others clean up", async () => {
    expect(ffmpeg.app).toMatchObject({
      name: "rushes",
      home: "aws",
      removal: "remove",
      protect: false,
    });
    const prod = await deployStack({ stage: "prod" });
    expect(prod.app).toMatchObject({ removal: "retain", protect: true });
    expect(
      resource(prod, "aws:dynamodb/table:Table", "TableTable").inputs.deletionProtectionEnabled,
    ).toBe(true);
  });
});
