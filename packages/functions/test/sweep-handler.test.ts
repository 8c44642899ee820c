import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcess } from "../../../test/support/in-process";

// The deployed sweep's entry point (functions/src/sweep.ts), which the local runtime replaces with
// its own timer: run here over the real stand-ins, with Lambda's Invoke API answered by a recorder,
// so the re-drive it sends to Ingest is checked as Lambda would receive it (audit item 21).
type Invoke = { path: string; invocationType?: string; payload: unknown };
const invokes: Invoke[] = [];
let lambda: Server;
let env: Awaited<ReturnType<typeof startInProcess>>;

beforeAll(async () => {
  lambda = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      invokes.push({
        path: req.url ?? "",
        invocationType: req.headers["x-amz-invocation-type"] as string | undefined,
        payload: JSON.parse(Buffer.concat(chunks).toString() || "null"),
      });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => lambda.listen(0, "127.0.0.1", r));
  const { port } = lambda.address() as AddressInfo;
  // What SST links into the Sweep function: the Ingest function's name. The SDK finds the
  // recorder through the standard per-service endpoint variable.
  process.env.SST_RESOURCE_Ingest = JSON.stringify({ name: "rushes-test-Ingest" });
  process.env.AWS_ENDPOINT_URL_LAMBDA = `http://127.0.0.1:${port}`;
  env = await startInProcess();
});

afterAll(async () => {
  await env?.stop();
  await new Promise((r) => lambda?.close(r));
  delete process.env.AWS_ENDPOINT_URL_LAMBDA;
});

describe("functions/src/sweep.ts", () => {
  it("re-drives a video whose lease ran out as an async S3-event invoke of Ingest", async () => {
    const key = await env.newKey("swept");
    const created = await env.api(key, "POST", "/v1/uploads", {
      filename: "a.mp4",
      contentType: "video/mp4",
      bytes: 1000,
    });
    const id = created.body.video.id as string;
    const { Lifecycle } = await import("@rushes/core/lifecycle");
    const stored = await Lifecycle.video.load(id);
    // A worker took the lease and died: it ran out a moment ago.
    const leased = await Lifecycle.transition(Lifecycle.video, stored!, {
      from: ["awaiting_upload"],
      to: "processing",
      lease: {},
      dueAt: Date.now() - 1,
    });
    expect(leased?.status).toBe("processing");
    // Its outbox entry is fresh; the sweep's quiet window leaves it to the (dead) publisher.
    await Lifecycle.publish(Lifecycle.video, leased!);

    const { handler } = await import("@rushes/functions/sweep");
    await handler();

    const mine = invokes.filter((i) => JSON.stringify(i.payload).includes(id));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.path).toBe("/2015-03-31/functions/rushes-test-Ingest/invocations");
    expect(mine[0]!.invocationType).toBe("Event");
    type S3Record = {
      eventName: string;
      s3: { bucket: { name: string }; object: { key: string } };
    };
    const record = (mine[0]!.payload as { Records: S3Record[] }).Records[0]!;
    expect(record.eventName).toMatch(/^ObjectCreated:/);
    expect(record.s3.bucket.name).toBe(env.runtime.resources.bucket);
    expect(record.s3.object.key).toBe(`uploads/${id}/source`);
    // The event is one the real Ingest entry point accepts as an upload of that video.
    const { ObjectKeys } = await import("@rushes/core/storage");
    expect(ObjectKeys.parseSource(decodeURIComponent(record.s3.object.key))).toBe(id);
  });
});
