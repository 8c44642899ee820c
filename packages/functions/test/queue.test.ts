// The queue port's SQS transport against fauxqs: batches over SQS's ten-entry limit, delays, and
// a retry that brings a received message back.
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcess } from "../../../test/support/in-process";
import { sqsTransport } from "../src/queue";

let h: Awaited<ReturnType<typeof startInProcess>>;
let sqs: SQSClient;

beforeAll(async () => {
  h = await startInProcess();
  sqs = new SQSClient({
    region: "us-east-1",
    endpoint: h.runtime.endpoints.sqs,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
}, 60_000);

afterAll(async () => {
  sqs?.destroy();
  await h?.stop();
});

async function queue(name: string) {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "60" } }),
  );
  return QueueUrl!;
}

/** Receives until `count` messages came back or a receive comes back empty. */
async function receiveAll(url: string, count: number, deleteThem = true) {
  const got: { body: string; receipt: string }[] = [];
  while (got.length < count) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    if (Messages.length === 0) break;
    for (const m of Messages) {
      got.push({ body: m.Body!, receipt: m.ReceiptHandle! });
      if (deleteThem)
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return got;
}

describe("sqsTransport", () => {
  it("sends a batch of more than ten in requests SQS accepts, every message once", async () => {
    const url = await queue("queue-port-batch");
    const bodies = Array.from({ length: 23 }, (_, i) => JSON.stringify({ i }));
    await sqsTransport(() => url).sendBatch(bodies);
    const got = await receiveAll(url, 23);
    expect(got.map((m) => m.body).sort()).toEqual([...bodies].sort());
  });

  it("holds a delayed message back and brings a received one back on retryIn", async () => {
    const url = await queue("queue-port-retry");
    const transport = sqsTransport(() => url);
    await transport.send('{"late":true}', 600);
    await transport.send('{"now":true}', 0);
    const [first, ...rest] = await receiveAll(url, 2, false);
    expect(first?.body).toBe('{"now":true}');
    expect(rest).toEqual([]);
    // Hidden for the queue's 60 s; retryIn(0) makes it receivable again at once.
    await transport.retryIn(first!.receipt, 0);
    const again = await receiveAll(url, 1);
    expect(again.map((m) => m.body)).toEqual(['{"now":true}']);
  });
});
