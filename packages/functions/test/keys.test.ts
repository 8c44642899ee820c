import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, startApp } from "./app";

let h: Awaited<ReturnType<typeof startApp>>;

beforeAll(async () => {
  h = await startApp();
});

afterAll(async () => {
  await h?.stop();
});

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((k) => k.id);

describe("API keys", () => {
  it("lists keys without ever showing one: the admin's all, an owner's their own", async () => {
    const made = [];
    for (const owner of ["dora", "dora", "evan"]) {
      const res = await h.call(h.runtime.devKey, "POST", "/v1/keys", { owner });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ owner, prefix: res.body.key.slice(0, 9) });
      expect(res.body.id).toMatch(/^key_/);
      made.push(res.body);
    }
    const [dora1, dora2, evan] = made;
    const all = await h.call(h.runtime.devKey, "GET", "/v1/keys");
    expect(all.status).toBe(200);
    expect(ids(all)).toEqual(expect.arrayContaining([dora1.id, dora2.id, evan.id]));
    for (const k of made) expect(all.text).not.toContain(k.key);
    expect(all.body.data.find((k: { id: string }) => k.id === evan.id)).toEqual({
      id: evan.id,
      owner: "evan",
      prefix: evan.prefix,
      createdAt: expect.any(String),
      lastUsedAt: null,
    });

    const own = await h.call(dora1.key, "GET", "/v1/keys");
    expect(ids(own)).toEqual([dora1.id, dora2.id]);
    // The admin may narrow to one owner; an owner may not look at another's.
    expect(ids(await h.call(h.runtime.devKey, "GET", "/v1/keys?owner=evan"))).toEqual([evan.id]);
    expectError(await h.call(dora1.key, "GET", "/v1/keys?owner=evan"), 403, "forbidden");

    const page1 = await h.call(dora1.key, "GET", "/v1/keys?limit=1");
    expect(ids(page1)).toEqual([dora1.id]);
    const page2 = await h.call(dora1.key, "GET", `/v1/keys?limit=1&cursor=${page1.body.cursor}`);
    expect(ids(page2)).toEqual([dora2.id]);
    expectError(
      await h.call(evan.key, "GET", `/v1/keys?cursor=${page1.body.cursor}`),
      400,
      "invalid_cursor",
    );
  });

  it("records use at most once a minute per key", async () => {
    const { key, id } = (await h.call(h.runtime.devKey, "POST", "/v1/keys", { owner: "fay" })).body;
    const lastUsed = async () =>
      (await h.call(key, "GET", "/v1/keys")).body.data.find((k: { id: string }) => k.id === id)
        .lastUsedAt as string | null;
    const first = await lastUsed();
    expect(first).not.toBeNull();
    expect(await lastUsed()).toBe(first);

    // Another warm function, which read the key before the write and has no memory of it: the
    // conditional write holds it to once a minute.
    const { ApiKey } = await import("@rushes/core/apikey");
    const stored = Date.parse(first!);
    const elsewhere = () => new Map<string, number>();
    expect(await ApiKey.touch(ApiKey.hash(key), undefined, stored + 30_000, elsewhere())).toBe(
      false,
    );
    expect(await lastUsed()).toBe(first);
    // A minute on, it is written again.
    expect(await ApiKey.touch(ApiKey.hash(key), stored, stored + 61_000, elsewhere())).toBe(true);
    expect(await lastUsed()).toBe(new Date(stored + 61_000).toISOString());
  });

  it("revokes: the next request with the key answers 401", async () => {
    const gail = (await h.call(h.runtime.devKey, "POST", "/v1/keys", { owner: "gail" })).body;
    const gail2 = (await h.call(h.runtime.devKey, "POST", "/v1/keys", { owner: "gail" })).body;
    const hal = (await h.call(h.runtime.devKey, "POST", "/v1/keys", { owner: "hal" })).body;

    // Another owner's key is a 404, as is a malformed or unknown id.
    expectError(await h.call(hal.key, "DELETE", `/v1/keys/${gail.id}`), 404, "not_found");
    expectError(await h.call(hal.key, "DELETE", "/v1/keys/nope"), 404, "not_found");
    expectError(
      await h.call(hal.key, "DELETE", "/v1/keys/key_01jd7m3y8q4k6x2v9c0b5n1e7r"),
      404,
      "not_found",
    );
    expect((await h.call(gail.key, "GET", "/v1/keys")).status).toBe(200);

    // An owner revokes their own key.
    expect((await h.call(gail2.key, "DELETE", `/v1/keys/${gail.id}`)).status).toBe(204);
    expectError(await h.call(gail.key, "GET", "/v1/keys"), 401, "invalid_key");
    expect(ids(await h.call(gail2.key, "GET", "/v1/keys"))).toEqual([gail2.id]);
    expectError(await h.call(gail2.key, "DELETE", `/v1/keys/${gail.id}`), 404, "not_found");

    // The admin revokes anyone's.
    expect((await h.call(h.runtime.devKey, "DELETE", `/v1/keys/${hal.id}`)).status).toBe(204);
    expectError(await h.call(hal.key, "GET", "/v1/videos"), 401, "invalid_key");
    expectError(await h.call(undefined, "DELETE", `/v1/keys/${gail2.id}`), 401, "unauthenticated");
  });

  it("gives keys made before keys had ids an id and a prefix on first use", async () => {
    const { ApiKey } = await import("@rushes/core/apikey");
    const { Dynamo } = await import("@rushes/core/dynamo");
    const key = ApiKey.generate();
    // The old item: hash, owner and createdAt only, written as version 1 of the entity did.
    const { Item } = Dynamo.entities.apiKey
      .create({
        keyHash: ApiKey.hash(key),
        keyId: "key_x",
        owner: "ivan",
        prefix: "x",
        createdAt: 1,
      })
      .params() as { Item: Record<string, unknown> };
    for (const f of ["keyId", "prefix", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"]) delete Item[f];
    const { Aws } = await import("@rushes/core/aws");
    const { PutCommand, DynamoDBDocumentClient } = await import("@aws-sdk/lib-dynamodb");
    await DynamoDBDocumentClient.from(await Aws.dynamo()).send(
      new PutCommand({ TableName: Dynamo.entities.apiKey.getTableName(), Item }),
    );
    expect((await h.call(key, "GET", "/v1/videos")).status).toBe(200);
    const listed = (await h.call(key, "GET", "/v1/keys")).body.data;
    expect(listed).toEqual([
      {
        id: expect.stringMatching(/^key_/),
        owner: "ivan",
        prefix: key.slice(0, 9),
        createdAt: new Date(1).toISOString(),
        lastUsedAt: expect.any(String),
      },
    ]);
    expect((await h.call(key, "DELETE", `/v1/keys/${listed[0].id}`)).status).toBe(204);
    expectError(await h.call(key, "GET", "/v1/videos"), 401, "invalid_key");
  });
});
