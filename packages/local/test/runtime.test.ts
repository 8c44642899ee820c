import {
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { S3Event, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishVideo } from "../../../test/support/events";
import { type Receiver, startReceiver } from "../../../test/support/receiver";
import { waitUntil } from "../../../test/support/wait";
import { type Runtime, type RuntimeOptions, startRuntime } from "../src/runtime";
import { tempDir } from "./helpers";

// The runtime in-process with recording handlers: provisioning, the three event mappings,
// and a restart on the same ports. The real handlers run in e2e.test.ts.
let runtime: Runtime;
let data: Awaited<ReturnType<typeof tempDir>>;
const ingested: S3Event[] = [];
const clipRecords: SQSRecord[] = [];
let flakyAttempts = 0;
let hooks: Receiver;

let options: RuntimeOptions;
let clients: { dynamo: DynamoDBClient; s3: S3Client; sqs: SQSClient };

beforeAll(async () => {
  data = await tempDir();
  hooks = await startReceiver();
  options = {
    dataDir: data.dir,
    port: 0,
    quiet: true,
    webhooks: [`${hooks.base}/hook`],
    handlers: {
      ingest: async (event) => {
        ingested.push(event);
        if (event.Records[0]!.s3.object.key.includes("flaky") && flakyAttempts++ === 0) {
          throw new Error("first attempt fails");
        }
      },
      clipWorker: async (event) => {
        clipRecords.push(...event.Records);
        const poison = event.Records.filter((r) => r.body === "poison");
        return { batchItemFailures: poison.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    },
    queue: { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 },
  };
  runtime = await startRuntime(options);
  const common = {
    region: "us-east-1",
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  };
  clients = {
    dynamo: new DynamoDBClient({ ...common, endpoint: runtime.endpoints.dynamo }),
    s3: new S3Client({ ...common, endpoint: runtime.endpoints.s3, forcePathStyle: true }),
    sqs: new SQSClient({ ...common, endpoint: runtime.endpoints.sqs }),
  };
});

afterAll(async () => {
  for (const client of Object.values(clients ?? {})) client.destroy();
  await runtime?.stop();
  await hooks?.close();
  await data?.remove();
});

describe("local runtime", () => {
  it("creates the table exactly as tableDefinition() describes it", async () => {
    const { tableDefinition } = await import("@rushes/core/dynamo");
    const definition = tableDefinition();
    const { Table } = await clients.dynamo.send(
      new DescribeTableCommand({ TableName: "rushes-local-table" }),
    );
    expect(Table!.KeySchema).toEqual([
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ]);
    const fields = Object.fromEntries(
      Table!.AttributeDefinitions!.map((a) => [a.AttributeName, a.AttributeType]),
    );
    expect(fields).toEqual(Object.fromEntries(Object.keys(definition.fields).map((f) => [f, "S"])));
    const indexes = Object.fromEntries(
      Table!.GlobalSecondaryIndexes!.map((g) => [
        g.IndexName,
        {
          hashKey: g.KeySchema![0]!.AttributeName,
          rangeKey: g.KeySchema![1]!.AttributeName,
          projection: g.Projection!.ProjectionType,
        },
      ]),
    );
    expect(Object.keys(indexes).sort()).toEqual(["gsi1", "gsi2", "gsi3", "gsi4", "gsi5", "gsi6"]);
    for (const [name, index] of Object.entries(definition.globalIndexes)) {
      expect(indexes[name]).toEqual({ ...index, projection: "ALL" });
    }
  });

  it("gives the clip queue its visibility timeout and a DLQ that failing messages reach", async () => {
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: runtime.resources.queueUrl,
        AttributeNames: ["All"],
      }),
    );
    expect(Attributes!.VisibilityTimeout).toBe("1");
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: runtime.resources.dlqArn,
      maxReceiveCount: "2",
    });

    const { queueUrl, dlqUrl } = runtime.resources;
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: "poison" }));
    const dead = await waitUntil(
      "the poison message in the DLQ",
      async () =>
        (await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl }))).Messages?.[0],
      { timeoutMs: 10_000 },
    );
    expect(dead.Body).toBe("poison");
    expect(clipRecords.filter((r) => r.body === "poison")).toHaveLength(2);
  });

  it("delivers objects created under uploads/ to ingest as S3 events, retrying failures", async () => {
    const form = new FormData();
    form.set("key", "uploads/vid_1/my clip (1).mp4");
    form.set("Content-Type", "video/mp4");
    form.set("file", new Blob([new Uint8Array(10)]), "clip.mp4");
    const posted = await fetch(`${runtime.endpoints.s3}/rushes-local-media`, {
      method: "POST",
      body: form,
    });
    expect(posted.status).toBe(204);
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: "rushes-local-media",
        Key: "uploads/flaky/source",
        Body: "x",
      }),
    );
    await clients.s3.send(
      new PutObjectCommand({ Bucket: "rushes-local-media", Key: "media/vid_1/web.mp4", Body: "x" }),
    );
    await waitUntil("both deliveries", () => ingested.length >= 3, { timeoutMs: 10_000 });
    await runtime.idle();

    const keys = ingested.map((e) => e.Records[0]!.s3.object.key);
    expect(keys.sort()).toEqual([
      "uploads/flaky/source",
      "uploads/flaky/source",
      "uploads/vid_1/my+clip+%281%29.mp4",
    ]);
    const post = ingested.find((e) => e.Records[0]!.eventName === "ObjectCreated:Post")!
      .Records[0]!;
    expect(post).toMatchObject({
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      s3: {
        bucket: { name: "rushes-local-media", arn: "arn:aws:s3:::rushes-local-media" },
        object: { key: "uploads/vid_1/my+clip+%281%29.mp4", size: 10 },
      },
    });
    expect(post.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
    const put = ingested.filter((e) => e.Records[0]!.eventName === "ObjectCreated:Put");
    expect(put).toHaveLength(2);
  });

  it("lets core reach the clip queue through Resource.ClipQueue.url and polls it to the worker", async () => {
    const { Clip } = await import("@rushes/core/clip");
    await Clip.enqueue("clp_01jabcdefghjkmnpqrstvwxyz0");
    const record = await waitUntil(
      "the clip message",
      () => clipRecords.find((r) => r.body.includes("clp_")),
      { timeoutMs: 10_000 },
    );
    expect(JSON.parse(record.body)).toEqual({ clipId: "clp_01jabcdefghjkmnpqrstvwxyz0" });
    expect(record.eventSourceARN).toBe(runtime.resources.queueArn);
  });

  it("keeps every SNS event, and delivers the dev owner's to the webhooks registered on start, signed", async () => {
    const { Webhook } = await import("standardwebhooks");
    const [registered] = runtime.webhooks;
    expect(registered?.secret).toMatch(/^whsec_/);
    // Another owner's event first: the dev owner's endpoint must never see it.
    await publishVideo("alice", "vid_01jabcdefghjkmnpqrstvwxyz1");
    const origin = { eventId: "evt_01jabcdefghjkmnpqrstvwxyz0" };
    await publishVideo("admin", "vid_01jabcdefghjkmnpqrstvwxyz0", origin);
    const event = await runtime.waitFor(
      (e) => e.type === "video.ready" && e.properties.owner === "admin",
      10_000,
    );
    expect(event.properties).toMatchObject({
      videoId: "vid_01jabcdefghjkmnpqrstvwxyz0",
      status: "ready",
    });
    expect(event.id).toBe(origin.eventId);
    await waitUntil("the webhook delivery", () => hooks.received[0], { timeoutMs: 10_000 });
    await runtime.idle();
    expect(hooks.received).toHaveLength(1);
    const verified = new Webhook(registered!.secret).verify(
      hooks.received[0]!.body,
      hooks.received[0]!.headers as Record<string, string>,
    );
    expect(verified).toEqual(event);
  });

  it("serves the API and /config.js on one origin", async () => {
    expect((await fetch(`${runtime.url}/health`)).status).toBe(200);
    const script = await (await fetch(`${runtime.url}/config.js`)).text();
    expect(script).toContain(`"devKey":"${runtime.devKey}"`);
  });

  it("refuses a second runtime on the same data dir with one line", async () => {
    await expect(startRuntime({ ...options, port: 0, ports: {} })).rejects.toThrow(
      /^Data dir .* is in use by another rushes runtime \(pid \d+\); [^\n]*$/,
    );
  });

  it("keeps DynamoDB items, S3 objects and the dev key across a restart; requeues pending clips", async () => {
    await clients.dynamo.send(
      new PutItemCommand({
        TableName: "rushes-local-table",
        Item: { pk: { S: "restart" }, sk: { S: "x" }, v: { S: "kept" } },
      }),
    );
    await clients.s3.send(
      new PutObjectCommand({
        Bucket: "rushes-local-media",
        Key: "media/restart.txt",
        Body: "kept",
      }),
    );
    const { Dynamo } = await import("@rushes/core/dynamo");
    const pending = "clp_01jpendingpendingpending00";
    await Dynamo.entities.clip
      .create({
        clipId: pending,
        owner: "alice",
        cameraId: "cam",
        startAt: 1,
        endAt: 2,
        accuracy: "fast",
        status: "pending",
        requestedAt: 1,
      })
      .go();
    const { devKey, ports } = runtime;
    await runtime.stop();

    runtime = await startRuntime({ ...options, port: ports.http, ports });
    expect(runtime.devKey).toBe(devKey);
    const { Item } = await clients.dynamo.send(
      new GetItemCommand({
        TableName: "rushes-local-table",
        Key: { pk: { S: "restart" }, sk: { S: "x" } },
      }),
    );
    expect(Item?.v?.S).toBe("kept");
    const object = await clients.s3.send(
      new GetObjectCommand({ Bucket: "rushes-local-media", Key: "media/restart.txt" }),
    );
    expect(await object.Body!.transformToString()).toBe("kept");
    // The queue lives in memory, so the restart emptied it; the pending clip is back on it.
    const requeued = JSON.stringify({ clipId: pending });
    await waitUntil("the requeued clip", () => clipRecords.some((r) => r.body === requeued), {
      timeoutMs: 10_000,
    });
  });
});
