import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInProcess } from "../../../test/support/in-process";

// What only a deployed stage does, run here over the real stand-ins, with the AWS APIs that have
// no stand-in (Lambda's Invoke, CloudFront) answered by a recorder, so each request is checked as
// AWS would receive it: the sweep's entry point (functions/src/sweep.ts), which the local runtime
// replaces with a timer (audit item 21), and a DELETE's CDN invalidation (item 5).
type Invoke = { method: string; path: string; invocationType?: string; payload: unknown };
const invokes: Invoke[] = [];
let lambda: Server;
let env: Awaited<ReturnType<typeof startInProcess>>;

beforeAll(async () => {
  lambda = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const cdn = (req.url ?? "").startsWith("/2020-05-31/");
      invokes.push({
        method: req.method ?? "",
        path: req.url ?? "",
        invocationType: req.headers["x-amz-invocation-type"] as string | undefined,
        payload: cdn ? body : JSON.parse(body || "null"),
      });
      if (!cdn) return void res.writeHead(202).end();
      res
        .writeHead(201, { "content-type": "text/xml" })
        .end(
          `<?xml version="1.0"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>I1</Id><Status>InProgress</Status><CreateTime>2026-01-01T00:00:00Z</CreateTime></Invalidation>`,
        );
    });
  });
  await new Promise<void>((r) => lambda.listen(0, "127.0.0.1", r));
  const { port } = lambda.address() as AddressInfo;
  // What SST links into the Sweep function: the Ingest function's name. The SDK finds the
  // recorder through the standard per-service endpoint variable.
  process.env.SST_RESOURCE_Ingest = JSON.stringify({ name: "rushes-test-Ingest" });
  process.env.AWS_ENDPOINT_URL_LAMBDA = `http://127.0.0.1:${port}`;
  // A stage with a CDN: its distribution, as infra/cdn.ts links it (no private key: playback
  // keeps presigning from the stand-in).
  process.env.SST_RESOURCE_Cdn = JSON.stringify({
    url: "https://d2222222abcdef8.cloudfront.net",
    keyPairId: "K2JCJMDEHXQW5F",
    distributionId: "ECDN",
  });
  process.env.AWS_ENDPOINT_URL_CLOUDFRONT = `http://127.0.0.1:${port}`;
  env = await startInProcess();
});

afterAll(async () => {
  await env?.stop();
  await new Promise((r) => lambda?.close(r));
  delete process.env.AWS_ENDPOINT_URL_LAMBDA;
  delete process.env.AWS_ENDPOINT_URL_CLOUDFRONT;
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
    const { VideoMoves } = await import("@rushes/core/video/moves");
    const leased = await Lifecycle.move(Lifecycle.video, stored!, VideoMoves.start, {
      now: Date.now() - Lifecycle.leaseEnd(0) - 1,
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

describe("DELETE on a stage with a CDN", () => {
  it("invalidates the video's objects at the edges, one wildcard path", async () => {
    const key = await env.newKey("cdn-owner");
    const created = await env.api(key, "POST", "/v1/uploads", {
      filename: "a.mp4",
      contentType: "video/mp4",
      bytes: 1000,
    });
    const id = created.body.video.id as string;
    expect((await env.api(key, "DELETE", `/v1/videos/${id}`)).status).toBe(204);
    const mine = invokes.filter((i) => String(i.payload).includes(id));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.method).toBe("POST");
    expect(mine[0]!.path).toBe("/2020-05-31/distribution/ECDN/invalidation");
    const body = String(mine[0]!.payload);
    expect(body).toContain(`<Path>/media/${id}/*</Path>`);
    expect(body).toContain("<Quantity>1</Quantity>");
  });
});
