import type { SQSEvent, SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { batch, json } from "../src/sqs";

const record = (messageId: string, body: string, receives = 1) =>
  ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: String(receives) },
  }) as SQSRecord;
const event = (...records: SQSRecord[]) => ({ Records: records }) as SQSEvent;

describe("SQS batches (functions/src/sqs.ts)", () => {
  const Message = z.object({ id: z.string() });

  it("reports malformed and failing records only, and runs the rest with their receive count", async () => {
    const ran: string[] = [];
    const failed: string[] = [];
    const handler = batch(json(Message), {
      what: "test message",
      run: async (message, { receives }) => {
        if (message.id === "boom") throw new Error("boom");
        ran.push(`${message.id}@${receives}`);
      },
      failed: async (message, { receiptHandle }) => {
        failed.push(`${message.id}:${receiptHandle}`);
      },
    });
    const result = await handler(
      event(
        record("m1", JSON.stringify({ id: "a" })),
        record("m2", "not json"),
        record("m3", JSON.stringify({ nope: 1 })),
        record("m4", JSON.stringify({ id: "boom" })),
        record("m5", JSON.stringify({ id: "b" }), 3),
      ),
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(["m2", "m3", "m4"]);
    expect(ran).toEqual(["a@1", "b@3"]);
    // Only a record whose run threw: a malformed one has nothing to retry.
    expect(failed).toEqual(["boom:rh-m4"]);
  });

  it("runs records one after another, or all at once when concurrent", async () => {
    const overlap = async (concurrent: boolean) => {
      let running = 0;
      let most = 0;
      const handler = batch((body) => body, {
        what: "test message",
        concurrent,
        run: async () => {
          most = Math.max(most, ++running);
          await new Promise((r) => setTimeout(r, 10));
          running--;
        },
      });
      await handler(event(record("m1", "a"), record("m2", "b"), record("m3", "c")));
      return most;
    };
    expect(await overlap(false)).toBe(1);
    expect(await overlap(true)).toBe(3);
  });
});
