import { DeleteItemCommand, PutItemCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../../../test/support/api";
import { noHandlers } from "../../../test/support/in-process";
import { localClients } from "../src/environment";
import { type Runtime, type RuntimeOptions, startRuntime } from "../src/runtime";
import { tempDir } from "./helpers";

// Data written before keys became case-exact (ElectroDB's default lower-cased every key) keeps
// working: `npm start` rewrites it on start-up, once.
let runtime: Runtime;
let options: RuntimeOptions;
let data: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  data = await tempDir();
  options = {
    dataDir: data.dir,
    port: 0,
    quiet: true,
    handlers: noHandlers,
  };
  runtime = await startRuntime(options);
});

afterAll(async () => {
  await runtime?.stop();
  await data?.remove();
});

const keyFields = /^(pk|sk|gsi\d+(pk|sk))$/;

/** Rewrites every item as the old key casing stored it: each key string lower-cased. */
async function downgradeToLowerCaseKeys() {
  const clients = localClients(runtime.endpoints);
  const { dynamo } = clients;
  const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: runtime.resources.table }));
  let changed = 0;
  for (const item of Items) {
    const legacy = Object.fromEntries(
      Object.entries(item).map(([name, value]) =>
        keyFields.test(name) && value.S ? [name, { S: value.S.toLowerCase() }] : [name, value],
      ),
    );
    if (legacy.pk!.S === item.pk!.S && legacy.sk!.S === item.sk!.S) continue;
    await dynamo.send(new PutItemCommand({ TableName: runtime.resources.table, Item: legacy }));
    await dynamo.send(
      new DeleteItemCommand({
        TableName: runtime.resources.table,
        Key: { pk: item.pk!, sk: item.sk! },
      }),
    );
    changed++;
  }
  for (const client of Object.values(clients)) client.destroy();
  return changed;
}

describe("start-up key migration", () => {
  it("makes lower-cased data reachable again after a restart, and leaves it exact", async () => {
    let api = apiClient(runtime.url);
    const key = (await api(runtime.devKey, "POST", "/v1/keys", { owner: "Alice" })).body.key;
    expect(
      (await api(key, "POST", "/v1/cameras", { alias: "Pier", cameraId: "Pier-1" })).status,
    ).toBe(201);
    const video = await api(key, "POST", "/v1/uploads", {
      filename: "a.mp4",
      contentType: "video/mp4",
      bytes: 10,
      project: "Launch",
      step: "Cut",
      camera: { cameraId: "Pier-1", recordedAt: Date.now() - 60_000 },
    });
    expect(video.status, video.text).toBe(201);
    const id = video.body.video.id;
    const now = Date.now();
    const clip = await api(key, "POST", "/v1/clips", {
      cameraId: "Pier-1",
      start: now - 30_000,
      end: now - 20_000,
    });
    expect(clip.status, clip.text).toBe(202);

    expect(await downgradeToLowerCaseKeys()).toBeGreaterThanOrEqual(5);
    // As the lower-cased data stands, today's keys cannot reach it: not even the API key works.
    expect((await api(key, "GET", "/v1/videos")).status).toBe(401);

    await runtime.stop();
    const { ports } = runtime;
    runtime = await startRuntime({ ...options, port: ports.http, ports });
    api = apiClient(runtime.url);

    expect((await api(key, "GET", `/v1/videos/${id}`)).body).toMatchObject({
      id,
      project: "Launch",
      step: "Cut",
      camera: { cameraId: "Pier-1" },
    });
    for (const query of [
      "",
      "?project=Launch",
      "?project=Launch&step=Cut",
      "?status=awaiting_upload",
    ]) {
      const listed = await api(key, "GET", `/v1/videos${query}`);
      expect(
        listed.body.data.map((v: { id: string }) => v.id),
        query,
      ).toEqual([id]);
    }
    expect((await api(key, "GET", `/v1/videos/${id}/events`)).body.data).toHaveLength(1);
    expect((await api(key, "GET", "/v1/cameras/Pier-1")).body).toMatchObject({ alias: "Pier" });
    expect((await api(key, "GET", `/v1/clips/${clip.body.id}`)).status).toBe(200);
    const byCamera = await api(key, "GET", "/v1/clips?cameraId=Pier-1");
    expect(byCamera.body.data.map((c: { id: string }) => c.id)).toEqual([clip.body.id]);

    // Nothing lower-cased is left behind: every key is as today's entities build it.
    const { KeyMigration } = await import("@rushes/core/key-migration");
    expect(await KeyMigration.run()).toMatchObject({ rewritten: 0, skipped: 0 });
  });
});
