import type { AddressInfo } from "node:net";
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { buildApp } from "fauxqs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { waitUntil } from "../../../test/support/wait";
import { silentLog } from "../src/log";
import { type SqsHandler, type SqsPoller, startSqsPoller } from "../src/sqs-poller";

// The receive loop against a real fauxqs queue, with tiny fake handlers.
const fauxqs = buildApp({ logger: false });
let sqs: SQSClient;
let poller: SqsPoller | undefined;
let queues = 0;

beforeAll(async () => {
  await fauxqs.listen({ port: 0, host: "127.0.0.1" });
  const { port } = fauxqs.server.address() as AddressInfo;
  sqs = new SQSClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});

afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});

afterAll(async () => {
  sqs.destroy();
  await fauxqs.close();
});

async function queue(
  attributes: Record<string, string> = {},
  dlq?: { arn: string; maxReceiveCount: number },
) {
  const name = `q${++queues}`;
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        ...attributes,
        ...(dlq
          ? {
              RedrivePolicy: JSON.stringify({
                deadLetterTargetArn: dlq.arn,
                maxReceiveCount: String(dlq.maxReceiveCount),
              }),
            }
          : {}),
      },
    }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

interface Delivery {
  at: number;
  record: SQSRecord;
}

/** Starts the poller with a handler that records every record and fails the ones `fail` picks. */
function poll(
  q: { url: string; arn: string },
  fail: (record: SQSRecord, deliveries: Delivery[]) => boolean | "throw" | "bogus",
) {
  const deliveries: Delivery[] = [];
  const handler: SqsHandler = async (event) => {
    const response: SQSBatchResponse = { batchItemFailures: [] };
    for (const record of event.Records) deliveries.push({ at: Date.now(), record });
    for (const record of event.Records) {
      const verdict = fail(record, deliveries);
      if (verdict === "throw") throw new Error("handler crashed");
      if (verdict === "bogus")
        return { batchItemFailures: [{ itemIdentifier: "not-in-this-batch" }] };
      if (verdict) response.batchItemFailures.push({ itemIdentifier: record.messageId });
    }
    return response;
  };
  poller = startSqsPoller({
    name: "test",
    sqs,
    queueUrl: q.url,
    queueArn: q.arn,
    handler,
    log: silentLog,
  });
  const of = (body: string) => deliveries.filter((d) => d.record.body === body);
  return { deliveries, of };
}

async function depth(url: string) {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
      ],
    }),
  );
  return Object.values(Attributes ?? {}).reduce((sum, n) => sum + Number(n), 0);
}

describe("SQS poller (Lambda event source mapping semantics)", () => {
  it("hands over a Lambda SQSEvent and deletes only the records not in batchItemFailures", async () => {
    const q = await queue({ VisibilityTimeout: "1" });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: ["a", "b", "c"].map((body) => ({
          Id: body,
          MessageBody: body,
          MessageAttributes: { kind: { DataType: "String", StringValue: `kind-${body}` } },
        })),
      }),
    );
    const { of } = poll(
      q,
      (record) => record.body === "b" && record.attributes.ApproximateReceiveCount === "1",
    );

    await waitUntil("b to come back", () => of("b").length === 2, { timeoutMs: 5000 });
    await waitUntil("the queue to drain", async () => (await depth(q.url)) === 0, {
      timeoutMs: 3000,
    });
    expect(of("a")).toHaveLength(1);
    expect(of("c")).toHaveLength(1);
    const [first, second] = of("b");
    expect(second!.record.attributes.ApproximateReceiveCount).toBe("2");
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(900);

    const record = first!.record;
    expect(record).toMatchObject({
      body: "b",
      eventSource: "aws:sqs",
      eventSourceARN: q.arn,
      awsRegion: "us-east-1",
      md5OfBody: "92eb5ffee6ae2fec3ad71c777531578f",
      messageAttributes: { kind: { dataType: "String", stringValue: "kind-b" } },
    });
    expect(record.messageId).toBeTruthy();
    expect(record.receiptHandle).toBeTruthy();
    expect(Number(record.attributes.SentTimestamp)).toBeGreaterThan(0);
  });

  it("keeps the whole batch when the handler throws, and when its response names an unknown id", async () => {
    const q = await queue({ VisibilityTimeout: "1" });
    const { of } = poll(q, (record) => {
      if (record.attributes.ApproximateReceiveCount !== "1") return false;
      return record.body === "throws" ? "throw" : "bogus";
    });
    // One at a time, so each failure mode alone decides its batch.
    for (const body of ["throws", "bogus"]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: body }));
      await waitUntil(`${body} to be redelivered`, () => of(body).length === 2, {
        timeoutMs: 5000,
      });
      await waitUntil("the queue to drain", async () => (await depth(q.url)) === 0, {
        timeoutMs: 3000,
      });
      expect(of(body)[1]!.record.attributes.ApproximateReceiveCount).toBe("2");
    }
  });

  it("moves a message that keeps failing to the DLQ after maxReceiveCount, without holding up its batch", async () => {
    const dlq = await queue();
    const q = await queue({ VisibilityTimeout: "1" }, { arn: dlq.arn, maxReceiveCount: 2 });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: q.url,
        Entries: [
          { Id: "poison", MessageBody: "poison" },
          { Id: "fine", MessageBody: "fine" },
        ],
      }),
    );
    const { of } = poll(q, (record) => record.body === "poison");

    const dead = await waitUntil(
      "the poison message in the DLQ",
      async () =>
        (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 0 })))
          .Messages?.[0],
      { timeoutMs: 8000 },
    );
    expect(dead.Body).toBe("poison");
    expect(of("poison")).toHaveLength(2);
    expect(of("fine")).toHaveLength(1);
    expect(await depth(q.url)).toBe(0);
  });

  it("does not deliver a delayed message early", async () => {
    const q = await queue();
    const sentAt = Date.now();
    await sqs.send(
      new SendMessageCommand({ QueueUrl: q.url, MessageBody: "later", DelaySeconds: 2 }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "now" }));
    const { of } = poll(q, () => false);
    await waitUntil("the delayed message", () => of("later").length === 1, { timeoutMs: 6000 });
    expect(of("now")[0]!.at).toBeLessThan(of("later")[0]!.at);
    expect(of("later")[0]!.at - sentAt).toBeGreaterThanOrEqual(1900);
  });

  it("redelivers a failed message when its handler's ChangeMessageVisibility says, not the queue's timeout", async () => {
    const q = await queue({ VisibilityTimeout: "60" });
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "soon" }));
    const deliveries: Delivery[] = [];
    poller = startSqsPoller({
      name: "test",
      sqs,
      queueUrl: q.url,
      queueArn: q.arn,
      log: silentLog,
      // As the chunk worker does: on failure, hide the message for 1 s instead of 60.
      handler: async ({ Records: [record] }) => {
        deliveries.push({ at: Date.now(), record: record! });
        if (record!.attributes.ApproximateReceiveCount !== "1") return;
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: q.url,
            ReceiptHandle: record!.receiptHandle,
            VisibilityTimeout: 1,
          }),
        );
        return { batchItemFailures: [{ itemIdentifier: record!.messageId }] };
      },
    });
    await waitUntil("the early redelivery", () => deliveries.length === 2, { timeoutMs: 10_000 });
    expect(deliveries.map((d) => d.record.attributes.ApproximateReceiveCount)).toEqual(["1", "2"]);
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(900);
    // Handled on its second receive: deleted, never back.
    await waitUntil("the queue to empty", async () => (await depth(q.url)) === 0);
  });

  it("redelivers a failed message only after the queue's visibility timeout", async () => {
    const q = await queue({ VisibilityTimeout: "2" });
    await sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: "retry" }));
    const { of } = poll(q, (record) => record.attributes.ApproximateReceiveCount === "1");
    await waitUntil("the redelivery", () => of("retry").length === 2, { timeoutMs: 30_000 });
    const [first, second] = of("retry");
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
  });
});
