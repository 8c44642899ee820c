import type { SQSEvent } from "aws-lambda";
import type { S3rverEvent } from "s3rver";
import { describe, expect, it } from "vitest";
import { createAsyncInvoker } from "../src/invoker";
import { lambdaContext } from "../src/lambda";
import { silentLog } from "../src/log";
import { encodeEventKey, toS3Event } from "../src/s3-events";
import { createSnsTap, type Envelope, parseWebhooks } from "../src/sns-tap";

// The pure pieces of the event mappings: S3 record shape, async retries, the SNS tap.

const s3rverEvent = (
  eventName: string,
  key: string,
  eTag = "d41d8cd98f00b204e9800998ecf8427e",
): S3rverEvent => ({
  Records: [
    {
      eventName,
      eventTime: "2026-01-01T00:00:00.000Z",
      requestParameters: { sourceIPAddress: "127.0.0.1" },
      s3: {
        bucket: { name: "rushes-local-media" },
        object: { key, size: 42, eTag, sequencer: "19A" },
      },
    },
  ],
});

describe("S3 notifications", () => {
  it("form-encodes keys the way S3 does", () => {
    expect(encodeEventKey("uploads/vid_1/source")).toBe("uploads/vid_1/source");
    expect(encodeEventKey("uploads/my file (1)+é.mp4")).toBe(
      "uploads/my+file+%281%29%2B%C3%A9.mp4",
    );
  });

  it("builds a faithful ObjectCreated record for uploads/ and drops everything else", () => {
    const event = toS3Event(s3rverEvent("ObjectCreated:Post", "uploads/a b/source"));
    expect(event?.Records).toHaveLength(1);
    expect(event!.Records[0]).toMatchObject({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: "us-east-1",
      eventTime: "2026-01-01T00:00:00.000Z",
      eventName: "ObjectCreated:Post",
      s3: {
        s3SchemaVersion: "1.0",
        bucket: { name: "rushes-local-media", arn: "arn:aws:s3:::rushes-local-media" },
        object: {
          key: "uploads/a+b/source",
          size: 42,
          eTag: "d41d8cd98f00b204e9800998ecf8427e",
          sequencer: "19A",
        },
      },
    });
    expect(toS3Event(s3rverEvent("ObjectCreated:Put", "media/vid/web.mp4"))).toBeUndefined();
    expect(toS3Event(s3rverEvent("ObjectRemoved:Delete", "uploads/x/source"))).toBeUndefined();
    const multipart = toS3Event(s3rverEvent("ObjectCreated:Post", "uploads/x/source", "abc-3"));
    expect(multipart!.Records[0]!.eventName).toBe("ObjectCreated:CompleteMultipartUpload");
  });
});

describe("asynchronous invocation", () => {
  it("retries a failing invocation twice, then drops it, and never throws at the caller", async () => {
    const calls: string[] = [];
    const invoker = createAsyncInvoker<string>({
      name: "test",
      log: silentLog,
      retryDelaysMs: [20, 20],
      handler: async (event) => {
        calls.push(event);
        if (
          event === "broken" ||
          (event === "flaky" && calls.filter((c) => c === "flaky").length === 1)
        ) {
          throw new Error(`${event} failed`);
        }
      },
    });
    invoker.push("broken");
    invoker.push("flaky");
    invoker.push("fine");
    await invoker.idle(5000);
    expect(calls.filter((c) => c === "broken")).toHaveLength(3);
    expect(calls.filter((c) => c === "flaky")).toHaveLength(2);
    expect(calls.filter((c) => c === "fine")).toHaveLength(1);
  });

  it("runs at most `concurrency` invocations at once", async () => {
    let running = 0;
    let peak = 0;
    const invoker = createAsyncInvoker<number>({
      name: "test",
      log: silentLog,
      concurrency: 2,
      handler: async () => {
        peak = Math.max(peak, ++running);
        await new Promise((r) => setTimeout(r, 20));
        running--;
      },
    });
    for (let i = 0; i < 6; i++) invoker.push(i);
    await invoker.idle(5000);
    expect(peak).toBe(2);
  });
});

describe("SNS tap", () => {
  const envelope: Envelope = {
    type: "video.ready",
    id: "vid_1:video.ready",
    at: "2026-01-01T00:00:00.000Z",
    properties: { videoId: "vid_1", status: "ready" },
  };
  const notification = (message: unknown) =>
    JSON.stringify({
      Type: "Notification",
      MessageId: "m",
      TopicArn: "arn",
      Message: JSON.stringify(message),
    });
  const sqsEvent = (...bodies: string[]): SQSEvent =>
    ({ Records: bodies.map((body, i) => ({ messageId: String(i), body })) }) as SQSEvent;

  it("parses RUSHES_LOCAL_WEBHOOKS, ignoring blanks and non-http entries", () => {
    expect(parseWebhooks(" http://a.test/x , ,ftp://b.test, https://c.test ")).toEqual([
      "http://a.test/x",
      "https://c.test",
    ]);
    expect(parseWebhooks(undefined)).toEqual([]);
  });

  it("logs and keeps each envelope, and skips anything else", async () => {
    const kept: Envelope[] = [];
    const lines: string[] = [];
    const tap = createSnsTap({
      log: { ...silentLog, info: (msg: unknown) => lines.push(String(msg)) },
      parse: (m) => ((m as Envelope).type ? (m as Envelope) : undefined),
      onEnvelope: (e) => kept.push(e),
    });
    await tap.handler(
      sqsEvent(notification(envelope), notification({ not: "an envelope" }), "garbage"),
      lambdaContext("t", 1000),
    );

    expect(kept).toEqual([envelope]);
    expect(lines).toEqual(["sns video.ready vid_1 status=ready"]);
  });
});
