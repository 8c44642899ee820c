import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishVideo } from "../support/events";
import { generateVideo } from "../support/media";
import { type Receiver, type Request, startReceiver } from "../support/receiver";
import { type Harness, startHarness, waitUntil } from "./harness";

// Signed webhooks end to end: SNS → dispatch queue → dispatcher → delivery queue → sender →
// a real receiver on 127.0.0.1 that checks every delivery with `standardwebhooks`.

let h: Harness;
let dir: string;
/** Secrets the receiver knows per path; during a rotation, two. */
const secrets = new Map<string, string[]>();
/** What each path answers, in turn; the last answer repeats. */
const answers = new Map<string, number[]>();
/** Paths whose answer waits for this promise (the receiver keeps each request on arrival). */
const holds = new Map<string, Promise<void>>();

/** Which of the path's known secrets verify a delivery (standardwebhooks), and its answer. */
function answer(request: Request) {
  const held = holds.get(request.path);
  return held ? held.then(() => verify(request)) : verify(request);
}

function verify({ path, headers, body }: Request) {
  const verifiedWith = (secrets.get(path) ?? []).filter((secret) => {
    try {
      new Webhook(secret).verify(body, headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  });
  const queue = answers.get(path) ?? [204];
  const status = queue.length > 1 ? queue.shift()! : queue[0]!;
  return { status, reply: status >= 400 ? "nope" : "", verifiedWith };
}

let receiver: Receiver<ReturnType<typeof verify>>;
let base: string;
let received: Receiver<ReturnType<typeof verify>>["received"];

beforeAll(async () => {
  receiver = await startReceiver(answer);
  ({ base, received } = receiver);
  // Tiny retry delays: four attempts, a second apart. The default schedule is a day long.
  h = await startHarness({ env: { RUSHES_WEBHOOK_RETRY_SCHEDULE_SECONDS: "0,1,1,1" } });
  dir = h.dir;
});

afterAll(async () => {
  await h?.stop();
  await receiver?.close();
});

/** A key for a new owner and an endpoint of theirs at `path`, whose secret the receiver learns. */
async function endpoint(owner: string, path: string, body: Record<string, unknown> = {}) {
  const key = await h.newKey(owner);
  const created = await h.api(key, "POST", "/v1/webhooks", { url: `${base}${path}`, ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  secrets.set(path, [created.body.secret]);
  return { key, id: created.body.id as string, secret: created.body.secret as string };
}

const at = (path: string) => receiver.at(path);
const waitFor = (path: string, count: number, timeoutMs = 30_000) =>
  waitUntil(
    () => `${path} got ${at(path).length} of ${count} deliveries`,
    async () => (at(path).length >= count ? at(path) : undefined),
    { timeoutMs: timeoutMs },
  );

const deliveriesOf = async (key: string, id: string) =>
  (await h.api(key, "GET", `/v1/webhooks/${id}/deliveries`)).body;

describe("webhooks", () => {
  it("runtime.idle() rejects while a delivery is in flight, and resolves once it is answered", async () => {
    let release = () => {};
    holds.set("/held", new Promise<void>((resolve) => (release = resolve)));
    await endpoint("held", "/held");
    await publishVideo("held", "vid_held");
    await waitUntil(
      () => "the held delivery to arrive",
      async () => (received.some((r) => r.path === "/held") ? true : undefined),
    );
    await expect(h.runtime.idle(300)).rejects.toThrow(
      /webhooks: deliveries still queued or in flight after 300 ms/,
    );
    release();
    await h.runtime.idle();
    expect(at("/held")).toHaveLength(1);
  });

  it("an upload ends ready, and the receiver gets exactly one verified video.ready", async () => {
    const hook = await endpoint("studio", "/ready");
    const file = await generateVideo({ path: join(dir, "a.mp4"), seconds: 1, fps: 10 });
    const videoId = await h.upload(hook.key, file);
    await h.waitForStatus(hook.key, videoId, ["ready"]);
    const [delivery] = await waitFor("/ready", 1);
    await h.runtime.idle();
    expect(at("/ready")).toHaveLength(1);
    expect(delivery!.verifiedWith).toEqual([hook.secret]);
    const event = JSON.parse(delivery!.body);
    expect(event).toMatchObject({ type: "video.ready", properties: { videoId, owner: "studio" } });
    expect(delivery!.headers["content-type"]).toBe("application/json");
    const published = await h.runtime.waitFor((e) => e.properties.videoId === videoId);
    expect(event).toEqual(published);
    const log = await deliveriesOf(hook.key, hook.id);
    expect(log.data).toHaveLength(1);
    expect(log.data[0]).toMatchObject({
      id: delivery!.headers["webhook-id"],
      eventType: "video.ready",
      status: "succeeded",
      attempts: [{ statusCode: 204 }],
    });
  });

  it("retries 500, 500, then gets a 200 on the third attempt with the same webhook-id", async () => {
    answers.set("/flaky", [500, 500, 200]);
    const hook = await endpoint("flaky", "/flaky");
    await publishVideo("flaky", "vid_flaky");
    const got = await waitFor("/flaky", 3);
    await h.runtime.idle();
    expect(at("/flaky")).toHaveLength(3);
    expect(got.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(new Set(got.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(got.every((r) => r.verifiedWith.length === 1)).toBe(true);
    // Each attempt is signed afresh: a new timestamp, the same body.
    expect(new Set(got.map((r) => r.body)).size).toBe(1);

    const log = await waitUntil(
      () => "the delivery never succeeded",
      async () => {
        const page = await deliveriesOf(hook.key, hook.id);
        return page.data[0]?.status === "succeeded" ? page : undefined;
      },
    );
    const [delivery] = log.data;
    expect(delivery.id).toBe(got[0]!.headers["webhook-id"]);
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([
      500, 500, 200,
    ]);
    expect(delivery.attempts[0].responseBody).toBe("nope");
    for (const attempt of delivery.attempts) expect(attempt.latencyMs).toBeGreaterThanOrEqual(0);

    // Redelivery: one more attempt, at once, with the same webhook-id.
    const retried = await h.api(
      hook.key,
      "POST",
      `/v1/webhooks/${hook.id}/deliveries/${delivery.id}/retry`,
    );
    expect(retried.status).toBe(202);
    const again = await waitFor("/flaky", 4);
    expect(again[3]!.headers["webhook-id"]).toBe(delivery.id);
    expect(again[3]!.verifiedWith).toHaveLength(1);
    const after = await waitUntil(
      () => "the redelivery was not logged",
      async () => {
        const page = await deliveriesOf(hook.key, hook.id);
        return page.data[0]?.attempts.length === 4 ? page.data[0] : undefined;
      },
    );
    expect(after.status).toBe("succeeded");
    expect(after.attempts[3]).toMatchObject({ statusCode: 200, manual: true });
  });

  it("gives up after the last attempt of the schedule", async () => {
    answers.set("/down", [503]);
    const hook = await endpoint("down", "/down");
    await publishVideo("down", "vid_down", { type: "video.failed" });
    await waitFor("/down", 4);
    const delivery = await waitUntil(
      () => "the delivery never failed",
      async () => {
        const [d] = (await deliveriesOf(hook.key, hook.id)).data;
        return d?.status === "failed" ? d : undefined;
      },
    );
    expect(delivery.attempts).toHaveLength(4);
    expect(delivery.nextAttemptAt).toBeUndefined();
    await h.runtime.idle();
    expect(at("/down")).toHaveLength(4);
    expect((await h.api(hook.key, "GET", `/v1/webhooks/${hook.id}`)).body.status).toBe("enabled");
  });

  it("an endpoint failing every delivery for 5 days is disabled", async () => {
    answers.set("/dead", [500]);
    const hook = await endpoint("dead", "/dead");
    // Its failures began six days ago (set directly: the test cannot wait five days).
    const { Dynamo } = await import("@rushes/core/dynamo");
    await Dynamo.entities.webhookEndpoint
      .patch({ owner: "dead", endpointId: hook.id })
      .set({ failingSince: Date.now() - 6 * 24 * 3600_000 })
      .go();
    await publishVideo("dead", "vid_dead");
    const shown = await waitUntil(
      () => "the endpoint was not disabled",
      async () => {
        const res = await h.api(hook.key, "GET", `/v1/webhooks/${hook.id}`);
        return res.body.status === "disabled" ? res.body : undefined;
      },
    );
    expect(shown.disabledReason).toMatch(/5 days/);
    // The delivery stops there: a disabled endpoint gets no more attempts.
    const delivery = await waitUntil(
      () => "the delivery did not end",
      async () => {
        const [d] = (await deliveriesOf(hook.key, hook.id)).data;
        return d?.status === "failed" ? d : undefined;
      },
    );
    expect(delivery.attempts).toHaveLength(1);
    expect(at("/dead")).toHaveLength(1);
  });

  it("a 410 disables the endpoint at once", async () => {
    answers.set("/gone", [410]);
    const hook = await endpoint("gone", "/gone");
    await publishVideo("gone", "vid_gone");
    await waitFor("/gone", 1);
    const shown = await waitUntil(
      () => "the endpoint was not disabled",
      async () => {
        const res = await h.api(hook.key, "GET", `/v1/webhooks/${hook.id}`);
        return res.body.status === "disabled" ? res.body : undefined;
      },
    );
    expect(shown.disabledReason).toMatch(/410/);
    await publishVideo("gone", "vid_gone_2");
    await h.runtime.waitFor((e) => e.properties.videoId === "vid_gone_2");
    await h.runtime.idle();
    expect(at("/gone")).toHaveLength(1);
  });

  it("an endpoint filtered to clip.* gets no video.* events", async () => {
    const all = await endpoint("filter", "/all");
    const key = all.key;
    const clips = await h.api(key, "POST", "/v1/webhooks", {
      url: `${base}/clips`,
      events: ["clip.*"],
    });
    secrets.set("/clips", [clips.body.secret]);
    await publishVideo("filter", "vid_filter");
    const { Events } = await import("@rushes/core/event");
    await Events.publish(
      "clip.available",
      { eventId: "evt_clp_filter", at: Date.now() },
      {
        clipId: "clp_filter",
        owner: "filter",
        cameraId: "cam",
        startTimestampInMs: 0,
        endTimestampInMs: 1000,
        status: "available",
        bucket: "rushes-local-media",
      },
    );
    await waitFor("/all", 2);
    await waitFor("/clips", 1);
    await h.runtime.idle();
    expect(
      at("/all")
        .map((r) => JSON.parse(r.body).type)
        .sort(),
    ).toEqual(["clip.available", "video.ready"]);
    expect(at("/clips").map((r) => JSON.parse(r.body).type)).toEqual(["clip.available"]);
    expect(received.every((r) => r.verifiedWith.length > 0)).toBe(true);
  });

  it("during a secret rotation, both the old and the new signature verify", async () => {
    const hook = await endpoint("rotate", "/rotate");
    const rotated = await h.api(hook.key, "POST", `/v1/webhooks/${hook.id}/rotate`);
    expect(rotated.status).toBe(200);
    secrets.set("/rotate", [hook.secret, rotated.body.secret]);
    await publishVideo("rotate", "vid_rotate");
    const [delivery] = await waitFor("/rotate", 1);
    expect(String(delivery!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    expect(delivery!.verifiedWith).toEqual([hook.secret, rotated.body.secret]);
    // And each secret alone, as a receiver that knows only one of them would check.
    const headers = delivery!.headers as Record<string, string>;
    expect(new Webhook(hook.secret).verify(delivery!.body, headers)).toBeTruthy();
    expect(new Webhook(rotated.body.secret).verify(delivery!.body, headers)).toBeTruthy();
  });

  it("owners are isolated: events, endpoints and delivery logs", async () => {
    const a = await endpoint("iso-a", "/iso-a");
    const b = await endpoint("iso-b", "/iso-b");
    await publishVideo("iso-a", "vid_iso");
    await waitFor("/iso-a", 1);
    await h.runtime.idle();
    expect(at("/iso-b")).toHaveLength(0);
    expect((await h.api(b.key, "GET", `/v1/webhooks/${a.id}`)).status).toBe(404);
    expect((await h.api(b.key, "GET", `/v1/webhooks/${a.id}/deliveries`)).status).toBe(404);
    const [delivery] = (await deliveriesOf(a.key, a.id)).data;
    const retry = await h.api(
      b.key,
      "POST",
      `/v1/webhooks/${b.id}/deliveries/${delivery.id}/retry`,
    );
    expect(retry.status).toBe(404);
    expect(
      (await h.api(b.key, "GET", "/v1/webhooks")).body.data.map((w: { id: string }) => w.id),
    ).toEqual([b.id]);
  });
});
