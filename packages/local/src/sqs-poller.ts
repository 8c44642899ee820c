import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { AwsRecord } from "@rushes/core/aws-record";
import type { SQSBatchResponse, SQSEvent, SQSRecord, SQSRecordAttributes } from "aws-lambda";
import { type LambdaHandler, lambdaContext, region, sleep } from "./lambda";
import type { Log } from "./log";

// biome-ignore lint/suspicious/noConfusingVoidType: a handler may return nothing, as aws-lambda's SQSHandler allows
export type SqsHandler = LambdaHandler<SQSEvent, SQSBatchResponse | void>;

export interface SqsPollerOptions {
  /** The function's name, for logs and the Lambda context. */
  name: string;
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  /**
   * The deployed subscription this loop stands in for: the SST Function and the SST Queue it
   * reads. The function's requests, and what the mapping asks with its role, are recorded as its.
   */
  mapping?: { function: string; queue: string };
  /** Messages per invocation, 1 to 10 (Lambda's default for standard queues is 10). */
  batchSize?: number;
  /** Long-poll wait per receive, in seconds. */
  waitTimeSeconds?: number;
  /** What the handler sees from `getRemainingTimeInMillis()`. */
  functionTimeoutMs?: number;
  log: Log;
}

export interface SqsPoller {
  /** Stops receiving, lets the invocation in flight finish, then resolves. */
  stop(): Promise<void>;
}

/**
 * A receive loop that behaves like Lambda's SQS event source mapping with
 * `ReportBatchItemFailures`. The queue itself owns visibility timeouts, delays and the
 * redrive to the DLQ; the loop only receives, invokes and deletes. A record is deleted when
 * the handler returns without listing it in `batchItemFailures`. When the handler throws, or
 * its response names an id that is not in the batch, nothing is deleted, as in Lambda.
 */
export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const { name, sqs, queueUrl, log } = options;
  const abort = new AbortController();

  /** Lambda's poller reads the queue's attributes, receives and deletes with the function's role. */
  const asMapping = (...actions: string[]) => {
    if (options.mapping) AwsRecord.noteAs(options.mapping.function, options.mapping.queue, actions);
  };

  async function receive(): Promise<Message[]> {
    asMapping("sqs:GetQueueAttributes", "sqs:ReceiveMessage");
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: options.batchSize ?? 10,
        WaitTimeSeconds: options.waitTimeSeconds ?? 1,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
      { abortSignal: abort.signal },
    );
    return out.Messages ?? [];
  }

  async function invoke(records: SQSRecord[]): Promise<Set<string>> {
    const all = new Set(records.map((r) => r.messageId));
    try {
      const context = lambdaContext(name, options.functionTimeoutMs ?? 900_000);
      const run = () => options.handler({ Records: records }, context);
      const response = await (options.mapping
        ? AwsRecord.as(options.mapping.function, run)
        : run());
      const failed = batchItemFailures(response, all);
      if (!failed) {
        log.warn(`${name}: invalid batchItemFailures, the whole batch will be retried`);
        return all;
      }
      if (failed.size)
        log.info(`${name}: ${failed.size}/${records.length} records reported failed`);
      return failed;
    } catch (error) {
      log.error(
        { err: error },
        `${name}: invocation failed, ${records.length} records will be retried`,
      );
      return all;
    }
  }

  async function remove(records: SQSRecord[]) {
    if (!records.length) return;
    asMapping("sqs:DeleteMessage");
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: records.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
    for (const failure of out.Failed ?? []) {
      log.warn(
        `${name}: delete failed for entry ${failure.Id}: ${failure.Code} ${failure.Message}`,
      );
    }
  }

  async function loop() {
    while (!abort.signal.aborted) {
      let messages: Message[];
      try {
        messages = await receive();
      } catch (error) {
        if (abort.signal.aborted) break;
        log.warn({ err: error }, `${name}: receive failed, retrying in 1 s`);
        await sleep(1000, abort.signal);
        continue;
      }
      if (!messages.length) continue;
      const records = messages.map((m) => toRecord(m, options.queueArn));
      const failed = await invoke(records);
      try {
        await remove(records.filter((r) => !failed.has(r.messageId)));
      } catch (error) {
        log.warn({ err: error }, `${name}: delete failed; those records will be redelivered`);
      }
    }
  }

  const running = loop();
  return {
    async stop() {
      abort.abort();
      await running;
    },
  };
}

/** The failed message ids, or undefined when the response is malformed (Lambda retries all). */
export function batchItemFailures(response: unknown, batch: Set<string>): Set<string> | undefined {
  if (response === null || typeof response !== "object") return new Set();
  const list = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list)) return undefined;
  const failed = new Set<string>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || !batch.has(id)) return undefined;
    failed.add(id);
  }
  return failed;
}

/** An SQS message as Lambda hands it over: camel-cased attributes, binaries in base64. */
function toRecord(message: Message, queueArn: string): SQSRecord {
  const base64 = (value: Uint8Array) => Buffer.from(value).toString("base64");
  const messageAttributes: SQSRecord["messageAttributes"] = {};
  for (const [key, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[key] = {
      dataType: value.DataType ?? "String",
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map(base64),
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: base64(value.BinaryValue) } : {}),
    };
  }
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? "",
    attributes: (message.Attributes ?? {}) as unknown as SQSRecordAttributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? "",
    ...(message.MD5OfMessageAttributes
      ? { md5OfMessageAttributes: message.MD5OfMessageAttributes }
      : {}),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** Nothing consumes a DLQ locally, so say when messages land in one. Returns the stop function. */
export function watchDeadLetters(options: {
  sqs: SQSClient;
  dlqUrl: string;
  what: string;
  log: Log;
}) {
  let known = 0;
  const timer = setInterval(async () => {
    const { Attributes } = await options.sqs
      .send(
        new GetQueueAttributesCommand({
          QueueUrl: options.dlqUrl,
          AttributeNames: ["ApproximateNumberOfMessages"],
        }),
      )
      .catch(() => ({ Attributes: undefined }));
    const count = Number(Attributes?.ApproximateNumberOfMessages ?? known);
    if (count > known) options.log.warn(`${count - known} ${options.what} moved to the DLQ`);
    known = count;
  }, 5000);
  timer.unref();
  return () => clearInterval(timer);
}
