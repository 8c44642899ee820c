// Infra contract: sst.config.ts and infra/*.ts, run against a recording fake, wire what rushes needs.
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import { tableDefinition } from "../../packages/core/src/dynamo";
import { covers, type Deployment, deploy, settle } from "./fake";

const WEB_URL = "https://d111111abcdef8.cloudfront.net";

/** Each function and exactly the resources it links, by the name code reads as `Resource.X`. */
const links: Record<string, string[]> = {
  // The bucket's name only, through the environment: its link would grant s3:* (see below).
  Api: [
    "AdminKey",
    "Cdn",
    "CdnPrivateKey",
    "ClipQueue",
    "Table",
    "WebhookDeliveryQueue",
    "WebhookKey",
  ],
  Ingest: ["ChunkQueue", "Events", "Table"],
  ClipWorker: ["ClipQueue", "Events", "Media", "Table"],
  ChunkWorker: ["ChunkQueue", "Events", "Table"],
  MediaConvertComplete: ["Events", "Media", "Table"],
  Sweep: ["ClipQueue", "Events", "Ingest", "Media", "Table"],
  WebhookDispatcher: ["Table", "WebhookDeliveryQueue"],
  WebhookSender: ["Table", "WebhookDeliveryQueue", "WebhookKey"],
};

const kinds: Record<string, string> = {
  Table: "sst:aws:Dynamo",
  Media: "sst:aws:Bucket",
  Events: "sst:aws:SnsTopic",
  ClipQueue: "sst:aws:Queue",
  ChunkQueue: "sst:aws:Queue",
  AdminKey: "sst:sst:Secret",
  Ingest: "sst:aws:Function",
  Cdn: "sst:sst:Linkable",
  CdnPrivateKey: "sst:sst:Secret",
  WebhookDeliveryQueue: "sst:aws:Queue",
  WebhookKey: "sst:sst:Secret",
};

const seconds = (duration: string) => {
  const [count, unit] = duration.split(" ");
  const scale: Record<string, number> = { second: 1, minute: 60, hour: 3600 };
  return Number(count) * scale[unit!.replace(/s$/, "")]!;
};

let ffmpeg: Deployment;
let mediaconvert: Deployment;

beforeAll(async () => {
  ffmpeg = await deploy({ stage: "test" });
  mediaconvert = await deploy({ stage: "test", env: { RUSHES_TRANSCODER: "mediaconvert" } });
});

const fn = (d: Deployment, name: string) => d.one("sst:aws:Function", name).args;

describe("storage", () => {
  test("the table's fields and indexes are ElectroDB's", () => {
    const { fields, primaryIndex, globalIndexes } = ffmpeg.one("sst:aws:Dynamo", "Table").args;
    expect({ fields, primaryIndex, globalIndexes }).toEqual(tableDefinition());
  });

  test("the bucket is never public", () => {
    const args = ffmpeg.one("sst:aws:Bucket", "Media").args;
    expect(args.access).toBeUndefined();
    expect(args.public).toBeUndefined();
    expect(args.transform.publicAccessBlock).toEqual({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });

  test("bucket CORS admits only the web origin, for uploads (POST, multipart PUT) and reads", async () => {
    const cors = (await settle(ffmpeg.one("sst:aws:Bucket", "Media").args.cors)) as Record<
      string,
      string[]
    >;
    expect(cors.allowOrigins).toEqual([WEB_URL]);
    expect(cors.allowMethods).toContain("POST");
    expect(cors.allowMethods).toContain("PUT");
    expect(cors.allowMethods!.every((m) => ["GET", "HEAD", "POST", "PUT"].includes(m))).toBe(true);
    expect(cors.allowHeaders).not.toContain("*");
    // A browser must read each part's ETag to complete a multipart upload.
    expect(cors.exposeHeaders).toContain("ETag");
  });

  test("a lifecycle rule aborts incomplete multipart uploads after 7 days", async () => {
    const args = ffmpeg.one("sst:aws:Bucket", "Media").args;
    const rules = (await settle(args.lifecycle)) as {
      id?: string;
      prefix?: string;
      enabled?: boolean;
    }[];
    // What SST 4.17 builds from `lifecycle` (createLifecycle in its bucket.ts), then the transform.
    const built: { rules: Record<string, unknown>[] } = {
      rules: rules.map((rule, index) => ({
        id: (rule.id ?? `MediaLifecycleRule${index}`).trim(),
        status: rule.enabled !== false ? "Enabled" : "Disabled",
        filter: rule.prefix ? { prefix: rule.prefix } : undefined,
      })),
    };
    expect(new Set(built.rules.map((r) => r.id)).size).toBe(built.rules.length);
    args.transform.lifecycle(built);
    const aborting = built.rules.filter((r) => r.abortIncompleteMultipartUpload);
    expect(aborting).toEqual([
      {
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: { prefix: "uploads/" },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
      },
    ]);
    // The API's multipart expiry is the same 7 days, so a video expires when its parts go.
    const { Multipart } = await import("../../packages/core/src/storage/multipart");
    expect(Multipart.abortAfterDays).toBe(7);
  });

  test("lifecycle rules: leftovers under uploads/ expire", async () => {
    const rules = (await settle(ffmpeg.one("sst:aws:Bucket", "Media").args.lifecycle)) as {
      id: string;
      prefix?: string;
      expiresIn?: string;
    }[];
    const uploads = rules.find((r) => r.prefix === "uploads/");
    expect(uploads).toMatchObject({ id: "ExpireUploads", expiresIn: "2 days" });
    // Every rule names a prefix: none may expire sources/ or media/.
    for (const rule of rules) {
      expect(rule.prefix, rule.id).toBeTruthy();
      expect(["sources/", "media/", "clips/"]).not.toContain(rule.prefix);
    }
  });

  test("the admin key is a secret with no default", () => {
    expect(ffmpeg.one("sst:sst:Secret", "AdminKey").args).toEqual({});
  });
});

describe("processing", () => {
  test("the bucket notifies ingest of objects created under uploads/ only", async () => {
    const [notification, ...more] = ffmpeg.all("sst:aws:BucketNotification");
    expect(more).toHaveLength(0);
    const { notifications } = (await settle(notification!.args)) as {
      notifications: Record<string, unknown>[];
    };
    expect(notifications).toHaveLength(1);
    const [only] = notifications;
    // `*` covers Post (presigned POST) and CompleteMultipartUpload (multipart) alike.
    expect(only!.events).toEqual(["s3:ObjectCreated:*"]);
    expect(only!.filterPrefix).toBe("uploads/");
    expect(only!.filterSuffix).toBeUndefined();
    const ingestArn = await ffmpeg.output("sst:aws:Function", "Ingest", "arn");
    expect(only!.function).toBe(ingestArn);
  });

  test("the clip queue has a DLQ, a visibility of at least 6 × the worker timeout, partial batches", async () => {
    const queue = ffmpeg.one("sst:aws:Queue", "ClipQueue");
    const worker = fn(ffmpeg, "ClipWorker");
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThanOrEqual(
      6 * seconds(worker.timeout),
    );

    const dlq = (await settle(queue.args.dlq)) as { queue: string; retry: number };
    expect(dlq.queue).toBe(await ffmpeg.output("sst:aws:Queue", "ClipDeadLetters", "arn"));
    // The worker marks a clip failed on its last attempt, before the DLQ would take the message.
    expect(dlq.retry).toBeGreaterThan(Number(worker.environment.RUSHES_MAX_ATTEMPTS));

    const clipWorkerArn = await ffmpeg.output("sst:aws:Function", "ClipWorker", "arn");
    const subscriptions = await Promise.all(
      ffmpeg.all("sst:aws:QueueLambdaSubscriber").map((s) => settle(s.args)),
    );
    const clips = subscriptions.filter(
      (s) => (s as { subscriber: string }).subscriber === clipWorkerArn,
    ) as { batch: { partialResponses: boolean } }[];
    expect(clips).toHaveLength(1);
    expect(clips[0]!.batch.partialResponses).toBe(true);
  });

  test("the chunk queue: a DLQ after the worker's last attempt, 6 × its timeout, one chunk per invocation", async () => {
    const queue = ffmpeg.one("sst:aws:Queue", "ChunkQueue");
    const worker = fn(ffmpeg, "ChunkWorker");
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThanOrEqual(
      6 * seconds(worker.timeout),
    );
    const dlq = (await settle(queue.args.dlq)) as { queue: string; retry: number };
    expect(dlq.queue).toBe(await ffmpeg.output("sst:aws:Queue", "ChunkDeadLetters", "arn"));
    // The worker fails the video on the receive SQS would otherwise move to the DLQ.
    expect(dlq.retry).toBe(Number(worker.environment.RUSHES_CHUNK_MAX_RECEIVES));

    const workerArn = await ffmpeg.output("sst:aws:Function", "ChunkWorker", "arn");
    const subscriptions = await Promise.all(
      ffmpeg.all("sst:aws:QueueLambdaSubscriber").map((s) => settle(s.args)),
    );
    const chunk = subscriptions.filter(
      (s) => (s as { subscriber: string }).subscriber === workerArn,
    ) as { batch: { size: number; partialResponses: boolean } }[];
    expect(chunk).toHaveLength(1);
    expect(chunk[0]!.batch).toMatchObject({ size: 1, partialResponses: true });

    // ffmpeg as the other media functions get it, and /tmp for a chunk, its ladder and the stitch.
    expect(worker.architecture).toBe(fn(ffmpeg, "Ingest").architecture);
    expect(worker.nodejs).toEqual(fn(ffmpeg, "Ingest").nodejs);
    expect(worker.environment.FFMPEG_PATH).toBe(fn(ffmpeg, "Ingest").environment.FFMPEG_PATH);
    expect(Number.parseInt(worker.storage, 10)).toBeGreaterThanOrEqual(2048);

    // Not the bucket's s3:* link: its name, and object rights on work/ and media/ only.
    const bucketArn = await ffmpeg.output("sst:aws:Bucket", "Media", "arn");
    expect(worker.environment.SST_RESOURCE_Media).toBeDefined();
    expect(await settle(worker.permissions)).toEqual([
      {
        actions: ["s3:GetObject", "s3:PutObject"],
        resources: [`${bucketArn}/work/*`, `${bucketArn}/media/*`],
      },
      { actions: ["s3:DeleteObject"], resources: [`${bucketArn}/work/*`] },
      {
        actions: ["s3:ListBucket"],
        resources: [bucketArn],
        conditions: [{ test: "StringLike", variable: "s3:prefix", values: ["work/*"] }],
      },
    ]);
  });

  test("a failed chunk's retry can be brought forward; a killed one waits out the visibility timeout", async () => {
    const queueArn = await ffmpeg.output("sst:aws:Queue", "ChunkQueue", "arn");
    const grants = await ffmpeg.grants("ChunkWorker");
    // The worker shortens a failed message's visibility (Chunked.retrySoon) on this queue.
    expect(
      grants.some(
        (g) =>
          g.resources.includes(queueArn as string) &&
          g.actions.some((a) => covers(a, "sqs:ChangeMessageVisibility")),
      ),
    ).toBe(true);
    // A killed stitcher's claim has gone stale by the time its message comes back, so the
    // redelivery takes the stitch over instead of waiting on a dead worker.
    const worker = fn(ffmpeg, "ChunkWorker");
    expect(
      seconds(ffmpeg.one("sst:aws:Queue", "ChunkQueue").args.visibilityTimeout),
    ).toBeGreaterThan(Number(worker.environment.RUSHES_PROCESSING_TIMEOUT_SECONDS));
  });

  test("work/ objects that outlive their video expire after 2 days", async () => {
    const rules = (await settle(ffmpeg.one("sst:aws:Bucket", "Media").args.lifecycle)) as {
      prefix?: string;
      expiresIn?: string;
    }[];
    expect(rules).toContainEqual(expect.objectContaining({ prefix: "work/", expiresIn: "2 days" }));
  });

  test("timeouts: ffmpeg stops before its function; a lease outlives it", async () => {
    for (const name of ["Ingest", "ClipWorker", "ChunkWorker"]) {
      const args = fn(ffmpeg, name);
      const limit = seconds(args.timeout);
      expect(limit).toBeLessThanOrEqual(900);
      expect(Number(args.environment.RUSHES_FFMPEG_TIMEOUT_SECONDS)).toBeLessThan(limit);
      expect(Number(args.environment.RUSHES_PROCESSING_TIMEOUT_SECONDS)).toBeGreaterThan(limit);
    }
    // Lambda's first async retry comes a minute after a failure: by then the lease has expired.
    const ingest = fn(ffmpeg, "Ingest");
    expect(Number(ingest.environment.RUSHES_PROCESSING_TIMEOUT_SECONDS)).toBeLessThan(
      seconds(ingest.timeout) + 60,
    );
  });

  test("ingest re-checks the API's 5 TiB limit, with Lambda's largest /tmp", () => {
    const ingest = fn(ffmpeg, "Ingest");
    const storageBytes = Number.parseInt(ingest.storage, 10) * 1024 ** 2;
    const maxUpload = Number(ingest.environment.RUSHES_MAX_UPLOAD_BYTES);
    expect(maxUpload).toBe(Number(fn(ffmpeg, "Api").environment.RUSHES_MAX_UPLOAD_BYTES));
    expect(maxUpload).toBe(5 * 1024 ** 4);
    // Sources that do not fit with their renditions fail `insufficient_storage` (Ingest.process).
    expect(storageBytes).toBe(10240 * 1024 ** 2);
  });

  test("ffmpeg mode: no MediaConvert role, rule, function or permissions", () => {
    expect(fn(ffmpeg, "Ingest").environment.RUSHES_TRANSCODER).toBe("ffmpeg");
    // Long sources are chunked, so both modes keep the 6 h default cap.
    expect(fn(ffmpeg, "Ingest").environment.RUSHES_MAX_DURATION_SECONDS).toBeUndefined();
    expect(fn(mediaconvert, "Ingest").environment.RUSHES_MAX_DURATION_SECONDS).toBeUndefined();
    expect(ffmpeg.all("aws:iam/role:Role")).toHaveLength(0);
    expect(ffmpeg.all("sst:aws:BusSubscription")).toHaveLength(0);
    expect(ffmpeg.all("sst:aws:Function").map((f) => f.name)).not.toContain("MediaConvertComplete");
    const actions = fn(ffmpeg, "Ingest").permissions.flatMap(
      (p: { actions: string[] }) => p.actions,
    );
    // Besides S3: only sending a failed event to IngestFailures.
    expect(actions.filter((a: string) => !a.startsWith("s3:"))).toEqual(["sqs:SendMessage"]);
  });

  test("ingest reads uploads/, moves them to sources/, writes media/ and work/, and nothing else", async () => {
    for (const d of [ffmpeg, mediaconvert]) {
      const bucketArn = await d.output("sst:aws:Bucket", "Media", "arn");
      const ingest = fn(d, "Ingest");
      const rights = ((await settle(ingest.permissions)) as { actions: string[] }[]).filter((p) =>
        p.actions.some((a) => a.startsWith("s3:")),
      );
      expect(rights).toEqual([
        // Read the upload; delete it once moved, or when it must be refused.
        { actions: ["s3:GetObject", "s3:DeleteObject"], resources: [`${bucketArn}/uploads/*`] },
        {
          actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          resources: [`${bucketArn}/sources/*`],
        },
        // Delete: what it wrote for a video whose delete won the race.
        {
          actions: ["s3:PutObject", "s3:DeleteObject"],
          resources: [`${bucketArn}/media/*`, `${bucketArn}/work/*`],
        },
        // Listing only those prefixes, to find what it wrote for a deleted video.
        {
          actions: ["s3:ListBucket"],
          resources: [bucketArn],
          conditions: [
            {
              test: "StringLike",
              variable: "s3:prefix",
              values: ["uploads/*", "sources/*", "media/*"],
            },
          ],
        },
      ]);
      // Nothing wider anywhere: no wildcard S3 action, no whole bucket, no link to the bucket
      // (whose `include` would add s3:* on the bucket and every object).
      const all = (await settle(ingest.permissions)) as {
        actions: string[];
        resources: string[];
      }[];
      expect(
        all.flatMap((p) => p.actions).filter((a) => a === "*" || a.startsWith("s3:*")),
      ).toEqual([]);
      // The bucket itself only for the prefix-bound listing above.
      expect(
        all.filter((p) => p.resources.includes(bucketArn as string)).flatMap((p) => p.actions),
      ).toEqual(["s3:ListBucket"]);
      expect(all.flatMap((p) => p.resources)).not.toContain(`${bucketArn}/*`);
      expect((ingest.link as unknown[]).map((r) => d.typeOf(r))).not.toContain("sst:aws:Bucket");
    }
  });

  test("ingest still reads the bucket's name as Resource.Media, as a link delivers it", async () => {
    const bucketName = await ffmpeg.output("sst:aws:Bucket", "Media", "name");
    const env = (await settle(fn(ffmpeg, "Ingest").environment)) as Record<string, string>;
    expect(JSON.parse(env.SST_RESOURCE_Media!)).toEqual({
      name: bucketName,
      type: "sst.aws.Bucket",
    });
  });

  test("mediaconvert mode: a role MediaConvert assumes, reading sources/ and writing media/", async () => {
    const role = mediaconvert.one("aws:iam/role:Role", "MediaConvertRole");
    const trust = JSON.parse(role.args.assumeRolePolicy);
    expect(trust.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "mediaconvert.amazonaws.com" },
        Action: "sts:AssumeRole",
      },
    ]);
    const policy = mediaconvert.one("aws:iam/rolePolicy:RolePolicy", "MediaConvertRolePolicy");
    expect(await settle(policy.args.role)).toBe("MediaConvertRole");
    const bucketArn = await mediaconvert.output("sst:aws:Bucket", "Media", "arn");
    const statements = JSON.parse((await settle(policy.args.policy)) as string).Statement;
    expect(statements).toEqual([
      // Ingest moves the validated source to sources/ before submitting: no presign reaches it.
      { Effect: "Allow", Action: "s3:GetObject", Resource: `${bucketArn}/sources/*` },
      { Effect: "Allow", Action: "s3:PutObject", Resource: `${bucketArn}/media/*` },
    ]);
  });

  test("mediaconvert mode: ingest may create jobs and pass only that role, to MediaConvert only", async () => {
    const ingest = fn(mediaconvert, "Ingest");
    const roleArn = await mediaconvert.output("aws:iam/role:Role", "MediaConvertRole", "arn");
    expect(ingest.environment.RUSHES_TRANSCODER).toBe("mediaconvert");
    expect(await settle(ingest.environment.RUSHES_MEDIACONVERT_ROLE_ARN)).toBe(roleArn);
    const failures = await mediaconvert.output("sst:aws:Queue", "IngestFailures", "arn");
    const permissions = (await settle(ingest.permissions)) as { actions: string[] }[];
    expect(permissions.filter((p) => !p.actions.some((a) => a.startsWith("s3:")))).toEqual([
      { actions: ["sqs:SendMessage"], resources: [failures] },
      { actions: ["mediaconvert:CreateJob"], resources: ["*"] },
      {
        actions: ["iam:PassRole"],
        resources: [roleArn],
        conditions: [
          {
            test: "StringEquals",
            variable: "iam:PassedToService",
            values: ["mediaconvert.amazonaws.com"],
          },
        ],
      },
    ]);
  });

  test("mediaconvert mode: job state changes on the default bus reach mediaconvert-complete", async () => {
    const [rule, ...more] = mediaconvert.all("sst:aws:BusSubscription");
    expect(more).toHaveLength(0);
    const args = (await settle(rule!.args)) as {
      busArn: string;
      subscriber: unknown;
      pattern: unknown;
    };
    expect(args.busArn).toMatch(/:event-bus\/default$/);
    expect(mediaconvert.nameOf(rule!.args.subscriber)).toBe("MediaConvertComplete");
    expect(args.pattern).toEqual({
      source: ["aws.mediaconvert"],
      detailType: ["MediaConvert Job State Change"],
      // Only this stage's jobs (ingest puts the stage in each job's UserMetadata).
      detail: { status: ["COMPLETE", "ERROR"], userMetadata: { stage: ["test"] } },
    });
  });

  test("ingest records an event it could not handle on IngestFailures, after its retries", async () => {
    for (const d of [ffmpeg, mediaconvert]) {
      const ingest = fn(d, "Ingest");
      expect(ingest.retries).toBe(2);
      const failures = await d.output("sst:aws:Queue", "IngestFailures", "arn");
      const config = (await settle(ingest.transform.eventInvokeConfig)) as {
        destinationConfig: { onFailure: { destination: string } };
      };
      expect(config.destinationConfig.onFailure.destination).toBe(failures);
      // Lambda sends it with the function's role, which may send to that queue and no other.
      const sends = (
        (await settle(ingest.permissions)) as { actions: string[]; resources: string[] }[]
      ).filter((p) => p.actions.some((a) => a.startsWith("sqs:")));
      expect(sends).toEqual([{ actions: ["sqs:SendMessage"], resources: [failures] }]);
      const retention = d.one("sst:aws:Queue", "IngestFailures").args.transform.queue;
      expect(retention.messageRetentionSeconds).toBe(14 * 24 * 3600);
    }
  });

  test("the sweep runs every 5 minutes and may invoke ingest, within a lease plus one interval", async () => {
    const [cron, ...more] = ffmpeg.all("sst:aws:Cron");
    expect(more).toHaveLength(0);
    expect(cron!.args.schedule).toBe("rate(5 minutes)");
    expect(await settle(cron!.args.function)).toBe(
      await ffmpeg.output("sst:aws:Function", "Sweep", "arn"),
    );
    const sweep = fn(ffmpeg, "Sweep");
    expect(sweep.handler).toBe("packages/functions/src/sweep.handler");
    expect(sweep.environment.RUSHES_SWEEP_INTERVAL_SECONDS).toBe("300");
    // The sweep dates legacy leases with ingest's clock; both must agree.
    expect(sweep.environment.RUSHES_PROCESSING_TIMEOUT_SECONDS).toBe(
      fn(ffmpeg, "Ingest").environment.RUSHES_PROCESSING_TIMEOUT_SECONDS,
    );
    // A pass must end well inside its interval, so passes never pile up.
    expect(seconds(sweep.timeout)).toBeLessThan(300);
  });

  test("an unknown transcoder fails the deploy", async () => {
    await expect(deploy({ env: { RUSHES_TRANSCODER: "handbrake" } })).rejects.toThrow(
      /RUSHES_TRANSCODER/,
    );
  });
});

describe("webhooks", () => {
  const queueOf = async (name: string) => {
    const queue = ffmpeg.one("sst:aws:Queue", name);
    return {
      args: queue.args,
      dlq: (await settle(queue.args.dlq)) as { queue: string; retry: number },
      subscription: (await settle(
        ffmpeg.one("sst:aws:QueueLambdaSubscriber", `${name}Subscriber`).args,
      )) as { subscriber: string; batch: { partialResponses: boolean } },
    };
  };

  test("every published event reaches the dispatch queue, unfiltered", async () => {
    const [subscription, ...more] = ffmpeg.all("sst:aws:SnsTopicQueueSubscriber");
    expect(more).toHaveLength(0);
    const args = (await settle(subscription!.args)) as Record<string, unknown>;
    expect(args.topic).toBe("Events");
    expect(args.queue).toBe(await ffmpeg.output("sst:aws:Queue", "WebhookDispatchQueue", "arn"));
    expect(args.filter).toBeUndefined();
  });

  test.each([
    ["WebhookDispatchQueue", "WebhookDispatchDeadLetters", "WebhookDispatcher"],
    ["WebhookDeliveryQueue", "WebhookDeliveryDeadLetters", "WebhookSender"],
  ])("%s has the DLQ %s and feeds %s with partial batch responses", async (name, dlq, fnName) => {
    const queue = await queueOf(name);
    expect(queue.dlq.queue).toBe(await ffmpeg.output("sst:aws:Queue", dlq, "arn"));
    expect(queue.dlq.retry).toBeGreaterThanOrEqual(3);
    expect(
      ffmpeg.one("sst:aws:Queue", dlq).args.transform.queue.messageRetentionSeconds,
    ).toBeGreaterThanOrEqual(14 * 24 * 3600);
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThanOrEqual(
      6 * seconds(fn(ffmpeg, fnName).timeout),
    );
    expect(queue.subscription.subscriber).toBe(
      await ffmpeg.output("sst:aws:Function", fnName, "arn"),
    );
    expect(queue.subscription.batch.partialResponses).toBe(true);
  });

  test("an attempt, with its lease slack, fits in the sender's timeout", () => {
    const sender = fn(ffmpeg, "WebhookSender");
    expect(Number(sender.environment.RUSHES_WEBHOOK_TIMEOUT_SECONDS) + 30).toBeLessThanOrEqual(
      seconds(sender.timeout),
    );
  });

  test("the key that seals endpoint secrets is a secret with no default", () => {
    expect(ffmpeg.one("sst:sst:Secret", "WebhookKey").args).toEqual({});
  });
});

describe("functions", () => {
  test("each function links exactly what it uses, and the links are the right kinds", () => {
    for (const d of [ffmpeg, mediaconvert]) {
      const functions = d.all("sst:aws:Function");
      const expected = Object.keys(links).filter(
        (name) => d === mediaconvert || name !== "MediaConvertComplete",
      );
      expect(functions.map((f) => f.name).sort()).toEqual(expected.sort());
      for (const f of functions) {
        const linked = (f.args.link as unknown[]).map((r) => d.nameOf(r));
        expect(linked.sort(), f.name).toEqual(links[f.name]);
        for (const r of f.args.link as unknown[]) expect(d.typeOf(r)).toBe(kinds[d.nameOf(r)]);
      }
    }
  });

  test("every function runs nodejs22.x on an explicit architecture", () => {
    for (const f of mediaconvert.all("sst:aws:Function")) {
      expect(f.args.runtime, f.name).toBe("nodejs22.x");
      expect(["x86_64", "arm64"], f.name).toContain(f.args.architecture);
    }
  });

  test("the API's bucket rights: multipart, presigning and deletion under named prefixes, nothing wider", async () => {
    const bucketArn = await ffmpeg.output("sst:aws:Bucket", "Media", "arn");
    const api = fn(ffmpeg, "Api");
    const rights = (await settle(api.permissions)) as { actions: string[]; resources: string[] }[];
    expect(rights).toEqual([
      {
        actions: ["s3:PutObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"],
        resources: [`${bucketArn}/uploads/*`],
      },
      {
        actions: ["s3:GetObject"],
        resources: ["uploads", "sources", "media", "clips"].map((p) => `${bucketArn}/${p}/*`),
      },
      {
        actions: ["s3:DeleteObject"],
        resources: ["uploads", "sources", "media"].map((p) => `${bucketArn}/${p}/*`),
      },
      { actions: ["s3:ListBucket"], resources: [bucketArn] },
      // A DELETE invalidates the video's objects at the edges (test/infra/cdn.test.ts).
      {
        actions: ["cloudfront:CreateInvalidation"],
        resources: [await ffmpeg.output("aws:cloudfront/distribution:Distribution", "Cdn", "arn")],
      },
    ]);
    // A delete reaches every prefix that can hold a video's objects (what Video.remove clears).
    const { ObjectKeys } = await import("../../packages/core/src/storage/object-keys");
    const cleared = ObjectKeys.videoPrefixes("vid_x").map(
      (p) => `${bucketArn}/${p.split("/")[0]}/*`,
    );
    expect(rights.find((r) => r.actions.includes("s3:DeleteObject"))?.resources).toEqual(cleared);
    const actions = rights.flatMap((r) => r.actions);
    expect(actions.filter((a) => a === "*" || a.endsWith(":*"))).toEqual([]);
    expect(rights.flatMap((r) => r.resources)).not.toContain(`${bucketArn}/*`);
    // No link to the bucket, whose `include` would add s3:* on the bucket and every object.
    expect((api.link as unknown[]).map((r) => ffmpeg.typeOf(r))).not.toContain("sst:aws:Bucket");
    const env = (await settle(api.environment)) as Record<string, string>;
    expect(JSON.parse(env.SST_RESOURCE_Media!)).toEqual({
      name: await ffmpeg.output("sst:aws:Bucket", "Media", "name"),
      type: "sst.aws.Bucket",
    });
  });

  test("API CORS: only the web origin, only the methods and headers the client sends", async () => {
    const url = (await settle(fn(ffmpeg, "Api").url)) as { cors: Record<string, unknown> };
    expect(url.cors.allowOrigins).toEqual([WEB_URL]);
    expect((url.cors.allowMethods as string[]).sort()).toEqual(["DELETE", "GET", "POST"]);
    expect((url.cors.allowHeaders as string[]).sort()).toEqual([
      "authorization",
      "content-type",
      // The web client makes its creating POSTs idempotent.
      "idempotency-key",
    ]);
    expect(url.cors.allowCredentials).toBeUndefined();
  });

  test("API: split into chunks, so a cold start loads only what routing needs (bench/api.ts measures it so)", async () => {
    const nodejs = (await settle(fn(ffmpeg, "Api").nodejs)) as { splitting?: boolean };
    expect(nodejs.splitting).toBe(true);
  });

  test("API docs: the page and everything it loads are copied beside the handler", async () => {
    const copies = (await settle(fn(ffmpeg, "Api").copyFiles)) as { from: string; to: string }[];
    const to = copies.map((c) => c.to).sort();
    expect(to).toEqual(["docs/favicon.svg", "docs/index.html", "docs/scalar.js"]);
    for (const { from } of copies) expect(existsSync(from), from).toBe(true);
    // The page may only reference files that are copied (packages/functions/src/api/docs.ts).
    const page = readFileSync("packages/functions/src/api/docs/index.html", "utf8");
    const refs = [...page.matchAll(/(?:src|href)="\/docs\/([^"]+)"/g)].map((m) => `docs/${m[1]}`);
    expect(refs.sort()).toEqual(["docs/favicon.svg", "docs/scalar.js"]);
  });

  test("sst dev: CORS admits the Vite dev server, and functions find ffmpeg themselves", async () => {
    const dev = await deploy({ stage: "alice", dev: true });
    const url = (await settle(fn(dev, "Api").url)) as { cors: { allowOrigins: string[] } };
    expect(url.cors.allowOrigins).toEqual(["http://localhost:5173"]);
    expect(fn(dev, "Ingest").environment.FFMPEG_PATH).toBeUndefined();
  });
});

describe("web and app", () => {
  test("the site is packages/web, built with the API URL and upload limit", async () => {
    const site = (await settle(ffmpeg.one("sst:aws:StaticSite", "Web").args)) as {
      path: string;
      environment: Record<string, string>;
    };
    expect(site.path).toBe("packages/web");
    expect(site.environment.VITE_API_URL).toBe(
      await ffmpeg.output("sst:aws:Function", "Api", "url"),
    );
    expect(site.environment.VITE_MAX_UPLOAD_BYTES).toBe(
      fn(ffmpeg, "Api").environment.RUSHES_MAX_UPLOAD_BYTES,
    );
  });

  test("run() returns the API URL, the web URL and the bucket name", async () => {
    expect(ffmpeg.outputs).toEqual({
      api: await ffmpeg.output("sst:aws:Function", "Api", "url"),
      web: WEB_URL,
      bucket: await ffmpeg.output("sst:aws:Bucket", "Media", "name"),
      cdn: "d2222222abcdef8.cloudfront.net",
    });
  });

  test("production stages retain data and refuse `sst remove`; others clean up", async () => {
    expect(ffmpeg.app).toMatchObject({
      name: "rushes",
      home: "aws",
      removal: "remove",
      protect: false,
    });
    for (const stage of ["prod", "production"]) {
      const prod = await deploy({ stage });
      expect(prod.app).toMatchObject({ removal: "retain", protect: true });
      expect(prod.one("sst:aws:Dynamo", "Table").args.deletionProtection).toBe(true);
    }
  });
});
