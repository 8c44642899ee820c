import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetItemCommand, ScanCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../../../test/support/api";
import { localClients } from "../src/environment";
import { type Runtime, startRuntime } from "../src/runtime";
import { tempDir } from "./helpers";

// Upgrading a deployed stage (scripts/upgrade.ts → core/src/upgrade.ts), here over the stand-ins:
// records from before the due index get on it, a live lease stays its holder's, a rerun is a no-op.
let runtime: Runtime;
let data: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  data = await tempDir();
  runtime = await startRuntime({
    dataDir: data.dir,
    port: 0,
    quiet: true,
    handlers: { ingest: async () => {}, clipWorker: async () => ({ batchItemFailures: [] }) },
  });
});

afterAll(async () => {
  await runtime?.stop();
  await data?.remove();
});

/** The stored item of a video, as DynamoDB holds it. */
async function stored(videoId: string) {
  const { dynamo } = localClients(runtime.endpoints);
  try {
    const { Items = [] } = await dynamo.send(
      new ScanCommand({
        TableName: runtime.resources.table,
        FilterExpression: "videoId = :id AND #e = :video",
        ExpressionAttributeNames: { "#e": "__edb_e__" },
        ExpressionAttributeValues: { ":id": { S: videoId }, ":video": { S: "video" } },
      }),
    );
    expect(Items).toHaveLength(1);
    const { Item } = await dynamo.send(
      new GetItemCommand({
        TableName: runtime.resources.table,
        Key: { pk: Items[0]!.pk!, sk: Items[0]!.sk! },
      }),
    );
    return Item!;
  } finally {
    dynamo.destroy();
  }
}

/** Rewrites a video as an older rushes left it mid-run: processing, its lease not on the index. */
async function asLegacyLease(videoId: string, startedAt: number) {
  const item = await stored(videoId);
  const { dynamo } = localClients(runtime.endpoints);
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: runtime.resources.table,
        Key: { pk: item.pk!, sk: item.sk! },
        UpdateExpression:
          "SET #status = :processing, processingStartedAt = :at, attempts = :one REMOVE dueScope, dueAt, gsi6pk, gsi6sk",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: {
          ":processing": { S: "processing" },
          ":at": { N: String(startedAt) },
          ":one": { N: "1" },
        },
      }),
    );
  } finally {
    dynamo.destroy();
  }
}

describe("upgrading a stage", () => {
  it("adopts legacy leases without releasing a live one, and a second run changes nothing", async () => {
    const api = apiClient(runtime.url);
    const upload = async () => {
      const res = await api(runtime.devKey, "POST", "/v1/uploads", {
        filename: "a.mp4",
        contentType: "video/mp4",
        bytes: 10,
      });
      expect(res.status, res.text).toBe(201);
      return res.body.video.id as string;
    };
    const live = await upload();
    const dead = await upload();
    const now = Date.now();
    // A worker took `live` a minute ago and is still at it; `dead`'s worker died two hours ago.
    await asLegacyLease(live, now - 60_000);
    await asLegacyLease(dead, now - 2 * 3600_000);
    expect((await stored(live)).dueScope).toBeUndefined();

    const { Upgrade } = await import("@rushes/core/upgrade");
    const first = await Upgrade.run(now);
    expect(first.adopted).toEqual({ videos: 2, clips: 0 });
    // The raw rewrite above left the status-keyed index keys behind: today's keys, rebuilt.
    expect(first.keys).toMatchObject({ rewritten: 2, skipped: 0 });

    // Both are on the due index, each due when its own lease ends; neither was released.
    const timeoutMs = 900_000; // RUSHES_PROCESSING_TIMEOUT_SECONDS' default, which the runtime uses
    const liveItem = await stored(live);
    expect(liveItem.status?.S).toBe("processing");
    expect(liveItem.dueScope?.S).toBe("video/processing");
    expect(Number(liveItem.dueAt?.N)).toBe(now - 60_000 + timeoutMs);
    expect(Number(liveItem.processingStartedAt?.N)).toBe(now - 60_000);
    expect(Number((await stored(dead)).dueAt?.N)).toBe(now - 2 * 3600_000 + timeoutMs);

    // The scheduled pass re-drives the dead lease only: the live one is still its worker's.
    const { Sweep } = await import("@rushes/core/sweep");
    const redriven: string[] = [];
    const report = await Sweep.run(
      { video: async (id) => void redriven.push(id), clip: async () => {} },
      { now },
    );
    expect(report.redriven).toContain(dead);
    expect(redriven).toContain(dead);
    expect(redriven).not.toContain(live);
    expect((await stored(live)).status?.S).toBe("processing");
    expect(Number((await stored(live)).dueAt?.N)).toBe(now - 60_000 + timeoutMs);

    // Idempotent: nothing left to rewrite or adopt.
    const second = await Upgrade.run(now);
    expect(second).toEqual({
      keys: expect.objectContaining({ rewritten: 0, skipped: 0 }),
      adopted: { videos: 0, clips: 0 },
    });
  });

  it("runs as the README's script, with the resources in its environment as `sst shell` gives them", async () => {
    // `sst shell` puts SST_RESOURCE_* and the credentials in the environment; the runtime has
    // put its own stand-ins' there for this process.
    const root = join(import.meta.dirname, "../../..");
    const { stdout } = await promisify(execFile)(
      join(root, "node_modules/.bin/tsx"),
      [join(root, "scripts/upgrade.ts")],
      { cwd: root, env: process.env },
    );
    expect(JSON.parse(stdout.trim().split("\n").at(-1)!)).toEqual({
      keys: expect.objectContaining({ rewritten: 0, skipped: 0 }),
      adopted: { videos: 0, clips: 0 },
    });
  });
});
