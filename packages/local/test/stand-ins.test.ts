import { request } from "node:http";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ListQueuesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { refusal } from "../src/origin-guard";
import { type StandIns, startStandIns } from "../src/stand-ins";
import { tempDir } from "./helpers";

// The stand-ins behind their origin guard: a page on another origin gets nothing from them,
// while the SDK (no Origin) and the app's own origin still do. The browser upload through the
// presigned POST is covered end to end in test/e2e/web.test.ts.
const app = "http://localhost:4321";
const evil = "http://evil.example";
const bucket = "rushes-guard-test";
let standIns: StandIns;
let data: Awaited<ReturnType<typeof tempDir>>;

/** A raw HTTP request, so the browser-only headers (Origin, Sec-Fetch-*) can be set freely. */
const send = (
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) =>
  new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(url, { method: init.method ?? "GET", headers: init.headers }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end(init.body);
    },
  );

const common = {
  region: "us-east-1",
  credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
};

beforeAll(async () => {
  data = await tempDir("rushes-guard-");
  standIns = await startStandIns({ dataDir: data.dir, host: "127.0.0.1", ports: {}, bucket });
  await standIns.allowOrigins([app]);
  const s3 = new S3Client({ ...common, endpoint: standIns.endpoints.s3, forcePathStyle: true });
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: "media/vid_1/720p.mp4", Body: "rendition" }),
  );
  s3.destroy();
});

afterAll(async () => {
  await standIns?.stop();
  await data?.remove();
});

const dynamoScan = (headers: Record<string, string>) =>
  send(standIns.endpoints.dynamo, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "DynamoDB_20120810.ListTables",
      ...headers,
    },
    body: "{}",
  });

describe("stand-in origin guard", () => {
  it("refuses a foreign Origin at every stand-in", async () => {
    const origin = { origin: evil };
    const answers = {
      listBucket: await send(`${standIns.endpoints.s3}/${bucket}?list-type=2`, { headers: origin }),
      overwrite: await send(`${standIns.endpoints.s3}/${bucket}/media/vid_1/720p.mp4`, {
        method: "PUT",
        headers: origin,
        body: "defaced",
      }),
      preflight: await send(`${standIns.endpoints.s3}/${bucket}/x`, {
        method: "OPTIONS",
        headers: { ...origin, "access-control-request-method": "POST" },
      }),
      scanKeys: await dynamoScan(origin),
      queues: await send(`${standIns.endpoints.sqs}/?Action=ListQueues`, { headers: origin }),
    };
    for (const [name, res] of Object.entries(answers)) {
      expect(res.status, name).toBe(403);
      expect(res.body, name).toMatch(/^Forbidden: origin http:\/\/evil\.example/);
      expect(res.headers["access-control-allow-origin"], name).toBeUndefined();
    }
    // The rendition was not overwritten.
    const s3 = new S3Client({ ...common, endpoint: standIns.endpoints.s3, forcePathStyle: true });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    s3.destroy();
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([["media/vid_1/720p.mp4", 9]]);
  });

  it("refuses cross-site writes and cross-site requests to DynamoDB and SQS without an Origin", async () => {
    const crossSite = { "sec-fetch-site": "cross-site" };
    const post = await send(`${standIns.endpoints.s3}/${bucket}`, {
      method: "POST",
      headers: crossSite,
    });
    expect(post.status).toBe(403);
    expect((await dynamoScan(crossSite)).status).toBe(403);
    const sqs = await send(`${standIns.endpoints.sqs}/?Action=ListQueues`, { headers: crossSite });
    expect(sqs.status).toBe(403);
  });

  it("refuses a Host that is not loopback (DNS rebinding)", async () => {
    const res = await dynamoScan({ host: "rebind.evil.example" });
    expect(res.status).toBe(403);
    expect(res.body).toContain("loopback");
  });

  it("answers the app's origin, with CORS for that origin only", async () => {
    const preflight = await send(`${standIns.endpoints.s3}/${bucket}`, {
      method: "OPTIONS",
      headers: { origin: app, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers["access-control-allow-origin"]).toBe(app);
    const scan = await dynamoScan({ origin: app });
    expect(scan.body).not.toContain("Forbidden: ");
  });

  it("lets presigned GETs through from media elements and links (cross-site, no Origin)", async () => {
    const res = await send(`${standIns.endpoints.s3}/${bucket}/media/vid_1/720p.mp4`, {
      headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe("rendition");
  });

  it("still serves the SDK, which sends no Origin", async () => {
    const dynamo = new DynamoDBClient({ ...common, endpoint: standIns.endpoints.dynamo });
    const sqs = new SQSClient({ ...common, endpoint: standIns.endpoints.sqs });
    try {
      expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      expect((await sqs.send(new ListQueuesCommand({}))).$metadata.httpStatusCode).toBe(200);
    } finally {
      dynamo.destroy();
      sqs.destroy();
    }
  });
});

describe("refusal()", () => {
  const origins = new Set([app]);
  const reads = { crossSiteReads: true };
  const host = { host: "127.0.0.1:9000" };
  it.each([
    ["the app's origin", "POST", { origin: app }, undefined],
    ["another port on localhost", "POST", { origin: "http://localhost:8080" }, "origin"],
    ["an opaque origin", "GET", { origin: "null" }, "origin"],
    ["no browser headers (the SDK)", "POST", {}, undefined],
    ["a same-site GET", "GET", { "sec-fetch-site": "same-site" }, undefined],
    ["a cross-site GET", "GET", { "sec-fetch-site": "cross-site" }, undefined],
    ["a cross-site DELETE", "DELETE", { "sec-fetch-site": "cross-site" }, "cross-site"],
  ])("%s", (_name, method, headers, expected) => {
    const why = refusal(method, { ...host, ...headers }, origins, reads);
    if (expected === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(expected);
  });

  it("refuses a cross-site GET where the stand-in serves no browser reads", () => {
    expect(
      refusal("GET", { ...host, "sec-fetch-site": "cross-site" }, origins, {
        crossSiteReads: false,
      }),
    ).toBe("cross-site request");
  });
});
