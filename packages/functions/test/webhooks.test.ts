import type { Runtime } from "@rushes/local/runtime";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectError, startApp } from "./app";

// The webhook routes in-process with app.request(), over real dynalite and fauxqs. Delivery
// itself is covered by test/integration/webhooks.test.ts.
let runtime: Runtime;
let call: Awaited<ReturnType<typeof startApp>>["call"];
let stop: () => Promise<void>;
let alice: string;
let bob: string;

const create = (key: string, body: Record<string, unknown>) =>
  call(key, "POST", "/v1/webhooks", body);

/** Runs with the settings of a deployed stage: https only, public addresses only. */
async function deployed(run: () => Promise<void>) {
  const { Config } = await import("@rushes/core/config");
  process.env.RUSHES_WEBHOOK_ALLOW_LOCAL = "false";
  Config.reset();
  try {
    await run();
  } finally {
    process.env.RUSHES_WEBHOOK_ALLOW_LOCAL = "true";
    Config.reset();
  }
}

beforeAll(async () => {
  ({ runtime, call, stop } = await startApp());
  alice = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "alice" })).body.key;
  bob = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "bob" })).body.key;
});

afterAll(async () => {
  await stop?.();
});

afterEach(() => {
  expect(process.env.RUSHES_WEBHOOK_ALLOW_LOCAL).toBe("true");
});

describe("POST /v1/webhooks", () => {
  it("creates an endpoint for every event and shows its secret once, stored sealed", async () => {
    const res = await create(alice, { url: "https://example.com/hooks", description: "prod" });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      url: "https://example.com/hooks",
      events: ["*"],
      description: "prod",
      status: "enabled",
    });
    expect(res.body.id).toMatch(/^whk_[0-9a-z]{26}$/);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(Date.parse(res.body.createdAt)).toBeGreaterThan(0);

    const shown = await call(alice, "GET", `/v1/webhooks/${res.body.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.secret).toBeUndefined();
    expect(shown.text).not.toContain(res.body.secret.slice(6));
    const { Dynamo } = await import("@rushes/core/dynamo");
    const stored = await Dynamo.entities.webhookEndpoint
      .get({ owner: "alice", endpointId: res.body.id })
      .go();
    expect(stored.data?.secret).toMatch(/^v1\./);
    expect(JSON.stringify(stored.data)).not.toContain(res.body.secret.slice(6));
  });

  it("takes event types and family patterns, deduplicated", async () => {
    const res = await create(alice, {
      url: "https://example.com/clips",
      events: ["clip.*", "video.ready", "video.ready"],
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.events).toEqual(["clip.*", "video.ready"]);
  });

  it.each([
    [{ url: "not a url" }, 400, "invalid_url"],
    [{ url: "https://user:pw@example.com/" }, 400, "invalid_url"],
    [{}, 400, "invalid_input"],
    [{ url: "https://example.com", events: [] }, 400, "invalid_input"],
    [{ url: "https://example.com", events: "video.ready" }, 400, "invalid_input"],
    [{ url: "ftp://example.com/x" }, 422, "https_required"],
    [{ url: "http://example.com/x" }, 422, "https_required"],
    [{ url: "https://example.com", events: ["video.readyy"] }, 422, "unknown_event_type"],
    [{ url: "https://example.com", events: ["webhook.*"] }, 422, "unknown_event_type"],
  ])("refuses %j with %i %s", async (body, status, code) => {
    expectError(await create(alice, body), status, code);
  });

  it("locally takes http://127.0.0.1 and http://localhost, and nothing else over http", async () => {
    expect((await create(alice, { url: "http://127.0.0.1:9/hook" })).status).toBe(201);
    expect((await create(alice, { url: "http://localhost:9/hook" })).status).toBe(201);
    expectError(await create(alice, { url: "http://10.0.0.1/hook" }), 422, "https_required");
  });

  it("deployed, refuses http even to localhost", async () => {
    await deployed(async () => {
      expectError(await create(bob, { url: "http://127.0.0.1:9/hook" }), 422, "https_required");
      expectError(await create(bob, { url: "http://localhost/hook" }), 422, "https_required");
    });
  });

  it.each([
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.1/hook",
    "https://127.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "https://[fd00::1]/hook",
    "https://[fe80::1]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "https://localhost/hook",
    "https://[::127.0.0.1]/hook",
    "https://[::ffff:0:7f00:1]/hook",
    "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",
    "https://[64:ff9b:1::a00:1]/hook",
    "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/hook",
    "https://[2002:a00:1::1]/hook",
  ])("deployed, refuses the private, loopback or link-local %s", async (url) => {
    await deployed(async () => {
      expectError(await create(bob, { url }), 422, "private_address");
    });
  });

  it("deployed, refuses ports other than 443 and those RUSHES_WEBHOOK_PORTS lists", async () => {
    const dora = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "dora" })).body.key;
    await deployed(async () => {
      expectError(await create(dora, { url: "https://8.8.8.8:22/hook" }), 422, "port_not_allowed");
      expectError(await create(dora, { url: "https://8.8.8.8:80/" }), 422, "port_not_allowed");
      expect((await create(dora, { url: "https://8.8.8.8:443/hook" })).status).toBe(201);
      const { Config } = await import("@rushes/core/config");
      process.env.RUSHES_WEBHOOK_PORTS = "8443";
      Config.reset();
      try {
        expect((await create(dora, { url: "https://8.8.8.8:8443/hook" })).status).toBe(201);
        expectError(await create(dora, { url: "https://8.8.8.8:8444/" }), 422, "port_not_allowed");
      } finally {
        delete process.env.RUSHES_WEBHOOK_PORTS;
        Config.reset();
      }
    });
  });
});

describe("the other routes", () => {
  it("lists only the caller's endpoints, newest first", async () => {
    const mine = await create(bob, { url: "https://example.org/a" });
    const newer = await create(bob, { url: "https://example.org/b" });
    const listed = await call(bob, "GET", "/v1/webhooks");
    expect(listed.status).toBe(200);
    const ids = listed.body.data.map((w: { id: string }) => w.id);
    expect(ids).toEqual([newer.body.id, mine.body.id]);
    expect(listed.text).not.toContain("whsec_");
    const theirs = await call(alice, "GET", "/v1/webhooks");
    expect(theirs.body.data.map((w: { id: string }) => w.id)).not.toContain(mine.body.id);
  });

  it("answers 404 for another owner's endpoint on every route, and for malformed ids", async () => {
    const { body } = await create(alice, { url: "https://example.com/private" });
    for (const id of [body.id, "whk_01jabcdefghjkmnpqrstvwxyz0", "nope"]) {
      expectError(await call(bob, "GET", `/v1/webhooks/${id}`), 404, "not_found");
      expectError(await call(bob, "DELETE", `/v1/webhooks/${id}`), 404, "not_found");
      expectError(await call(bob, "POST", `/v1/webhooks/${id}/rotate`), 404, "not_found");
      expectError(await call(bob, "GET", `/v1/webhooks/${id}/deliveries`), 404, "not_found");
      expectError(
        await call(
          bob,
          "POST",
          `/v1/webhooks/${id}/deliveries/msg_01jabcdefghjkmnpqrstvwxyz0/retry`,
        ),
        404,
        "not_found",
      );
    }
    // Still there for its owner.
    expect((await call(alice, "GET", `/v1/webhooks/${body.id}`)).status).toBe(200);
  });

  it("keeps owners whose names differ only in case apart", async () => {
    const upper = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "Dana" })).body.key;
    const lower = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "dana" })).body.key;
    const { body } = await create(upper, { url: "https://example.com/dana" });
    expect((await call(lower, "GET", "/v1/webhooks")).body.data).toEqual([]);
    expectError(await call(lower, "GET", `/v1/webhooks/${body.id}`), 404, "not_found");
    expect((await call(upper, "GET", "/v1/webhooks")).body.data).toHaveLength(1);
  });

  it("rotates: a new secret, shown once, with the old one signing for 24 more hours", async () => {
    const { body } = await create(alice, { url: "https://example.com/rotate" });
    const rotated = await call(alice, "POST", `/v1/webhooks/${body.id}/rotate`);
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(body.secret);
    const overlap = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(overlap).toBeGreaterThan(23.9 * 3600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3600_000);
    const shown = await call(alice, "GET", `/v1/webhooks/${body.id}`);
    expect(shown.body.previousSecretExpiresAt).toBe(rotated.body.previousSecretExpiresAt);
    expect(shown.body.secret).toBeUndefined();
  });

  it("answers an empty delivery log, validates paging, and 404s an unknown delivery", async () => {
    const { body } = await create(alice, { url: "https://example.com/log" });
    const log = await call(alice, "GET", `/v1/webhooks/${body.id}/deliveries?limit=5`);
    expect(log.status, log.text).toBe(200);
    expect(log.body).toEqual({ data: [], cursor: null });
    expectError(
      await call(alice, "GET", `/v1/webhooks/${body.id}/deliveries?limit=0`),
      400,
      "invalid_input",
    );
    expectError(
      await call(alice, "GET", `/v1/webhooks/${body.id}/deliveries?cursor=forged`),
      400,
      "invalid_cursor",
    );
    for (const deliveryId of ["msg_01jabcdefghjkmnpqrstvwxyz0", "nope"]) {
      expectError(
        await call(alice, "POST", `/v1/webhooks/${body.id}/deliveries/${deliveryId}/retry`),
        404,
        "not_found",
      );
    }
  });

  it("deletes an endpoint: 204, then 404", async () => {
    const { body } = await create(alice, { url: "https://example.com/gone" });
    const deleted = await call(alice, "DELETE", `/v1/webhooks/${body.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expectError(await call(alice, "GET", `/v1/webhooks/${body.id}`), 404, "not_found");
    expectError(await call(alice, "DELETE", `/v1/webhooks/${body.id}`), 404, "not_found");
  });

  it("caps endpoints per owner", async () => {
    const carol = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "carol" })).body.key;
    for (let i = 0; i < 20; i++) {
      expect((await create(carol, { url: `https://example.com/${i}` })).status).toBe(201);
    }
    expectError(await create(carol, { url: "https://example.com/21" }), 409, "too_many_webhooks");
  });
});
