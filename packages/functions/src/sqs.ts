// The one place an SQS record is parsed: every queue consumer is a `batch(...)` of its own.

import { logger } from "@rushes/core/log";
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import type * as z from "zod";

type Log = ReturnType<typeof logger>;
type Received = { receives: number; receiptHandle: string; log: Log };

/** A record's body as JSON checked against `schema`, or undefined when it is not one. */
export const json =
  <S extends z.ZodType>(schema: S) =>
  (body: string): z.output<S> | undefined => {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };

/**
 * A Lambda handler for an SQS event source with `partialResponses`. Each record's body goes
 * through `parse` (`json(schema)` for most). Each record stands alone: a malformed one (`parse`
 * gives undefined) or one whose `run` throws is reported in
 * batchItemFailures, so SQS retries only it (and moves it to the DLQ after maxReceiveCount), and
 * it never stops the others. Records run one after another unless `concurrent`, where one slow
 * record must not hold up the rest.
 */
export function batch<T>(
  parse: (body: string) => T | undefined,
  options: {
    /** What a record is, for the logs: "clip message". */
    what: string;
    run: (message: T, record: Received) => Promise<unknown>;
    /** After `run` threw, before the record is reported (e.g. to bring its retry forward). */
    failed?: (message: T, record: Received) => Promise<void>;
    /** Fields that name the message in its log lines. */
    fields?: (message: T) => Record<string, unknown>;
    concurrent?: boolean;
    /** Log levels: a handled record at info and a failed one at error, unless told otherwise. */
    levels?: { handled?: "info" | "debug"; failed?: "error" | "warn" };
  },
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  const { what, run, fields = () => ({}), levels = {} } = options;
  const one = async (record: SQSRecord): Promise<SQSBatchItemFailure | undefined> => {
    const log = logger().child({ messageId: record.messageId });
    const message = parse(record.body);
    if (message === undefined) {
      log.error({ body: record.body.slice(0, 200) }, `malformed ${what}`);
      return { itemIdentifier: record.messageId };
    }
    const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1);
    const received = { receives, receiptHandle: record.receiptHandle, log };
    try {
      const outcome = await run(message, received);
      log[levels.handled ?? "info"]({ ...fields(message), outcome }, `${what} handled`);
      return undefined;
    } catch (error) {
      log[levels.failed ?? "error"]({ err: error, ...fields(message), receives }, `${what} failed`);
      await options.failed?.(message, received);
      return { itemIdentifier: record.messageId };
    }
  };
  return async (event) => {
    const failures: (SQSBatchItemFailure | undefined)[] = [];
    if (options.concurrent) failures.push(...(await Promise.all(event.Records.map(one))));
    else for (const record of event.Records) failures.push(await one(record));
    return { batchItemFailures: failures.filter((f) => f !== undefined) };
  };
}
