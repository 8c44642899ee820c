import type { Runtime } from "@rushes/local/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Reply, startApp } from "./app";

// Concurrent requests that must have exactly one winner (issue 21, items 3, 6, 7 and 12): each
// test fires its requests together and judges only the answers and the stored state.
let runtime: Runtime;
let call: Awaited<ReturnType<typeof startApp>>["call"];
let stop: () => Promise<void>;
let alice: string;

const statuses = (replies: Reply[]) =>
  replies.map((r) => `${r.status} ${r.body?.error?.code ?? ""}`.trim()).sort();

beforeAll(async () => {
  ({ runtime, call, stop } = await startApp());
  alice = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "alice" })).body.key;
});

afterAll(async () => {
  await stop?.();
});

/** A one-part multipart upload with its part stored, ready to complete. */
async function uploaded(key = alice) {
  const created = await call(key, "POST", "/v1/uploads", {
    filename: "a.mov",
    contentType: "video/quicktime",
    bytes: 1000,
    multipart: true,
  });
  expect(created.status, created.text).toBe(201);
  const id: string = created.body.video.id;
  const signed = await call(key, "POST", `/v1/uploads/${id}/parts`, { partNumbers: [1] });
  const put = await fetch(signed.body.parts[0].url, {
    method: "PUT",
    body: new Uint8Array(1000),
  });
  expect(put.status).toBe(200);
  return { id, parts: [{ partNumber: 1, etag: put.headers.get("etag") ?? "" }] };
}

const historyTypes = async (id: string) =>
  ((await call(alice, "GET", `/v1/videos/${id}/events`)).body.data as Array<{ type: string }>).map(
    (e) => e.type,
  );

describe("item 3: the webhook cap holds under concurrent creates", () => {
  it("40 concurrent POST /v1/webhooks leave exactly 20 endpoints", async () => {
    const dave = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "dave" })).body.key;
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        call(dave, "POST", "/v1/webhooks", { url: `https://example.com/${i}` }),
      ),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(20);
    expect(replies.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(
      Array(20).fill("too_many_webhooks"),
    );
    const listed = await call(dave, "GET", "/v1/webhooks");
    expect(listed.body.data).toHaveLength(20);
    // A delete frees exactly one slot, even when sent twice at once.
    const id = listed.body.data[0].id;
    await Promise.all([
      call(dave, "DELETE", `/v1/webhooks/${id}`),
      call(dave, "DELETE", `/v1/webhooks/${id}`),
    ]);
    const again = await Promise.all(
      [1, 2].map((i) => call(dave, "POST", "/v1/webhooks", { url: `https://example.com/n${i}` })),
    );
    expect(statuses(again)).toEqual(["201", "409 too_many_webhooks"]);
  });

  it("counts the endpoints of an owner from before the counter existed", async () => {
    const { Dynamo } = await import("@rushes/core/dynamo");
    const erin = (await call(runtime.devKey, "POST", "/v1/keys", { owner: "erin" })).body.key;
    for (let i = 0; i < 19; i++) {
      expect(
        (await call(erin, "POST", "/v1/webhooks", { url: `https://e.example/${i}` })).status,
      ).toBe(201);
    }
    // As if made before the counter: drop it; the next create counts the 19 endpoints.
    await Dynamo.entities.webhookCount.delete({ owner: "erin" }).go();
    const replies = await Promise.all(
      [1, 2, 3].map((i) => call(erin, "POST", "/v1/webhooks", { url: `https://e.example/x${i}` })),
    );
    expect(statuses(replies)).toEqual(["201", "409 too_many_webhooks", "409 too_many_webhooks"]);
  });
});

describe("item 6: one complete wins", () => {
  it("three concurrent completes: one 200, two 409 upload_completed, one history line", async () => {
    const { id, parts } = await uploaded();
    const replies = await Promise.all(
      [1, 2, 3].map(() => call(alice, "POST", `/v1/uploads/${id}/complete`, { parts })),
    );
    expect(statuses(replies)).toEqual(["200", "409 upload_completed", "409 upload_completed"]);
    expect((await historyTypes(id)).filter((t) => t === "upload_completed")).toHaveLength(1);
  });

  it("a completion S3 refuses gives its claim back", async () => {
    const { id, parts } = await uploaded();
    const bad = await call(alice, "POST", `/v1/uploads/${id}/complete`, {
      parts: [{ partNumber: 1, etag: '"00000000000000000000000000000000"' }],
    });
    expect(bad.status).toBe(400);
    const good = await call(alice, "POST", `/v1/uploads/${id}/complete`, { parts });
    expect(good.status, good.text).toBe(200);
  });
});

describe("item 7: complete racing an abort", () => {
  it("one of them wins cleanly, and history tells that one story", async () => {
    for (let round = 0; round < 6; round++) {
      const { id, parts } = await uploaded();
      const [completed, aborted] = await Promise.all([
        call(alice, "POST", `/v1/uploads/${id}/complete`, { parts }),
        call(alice, "DELETE", `/v1/uploads/${id}`),
      ]);
      const types = await historyTypes(id);
      const video = (await call(alice, "GET", `/v1/videos/${id}`)).body;
      if (completed.status === 200) {
        expect(aborted.status).toBe(409);
        expect(aborted.body.error.code).toBe("upload_completed");
        expect(types).toContain("upload_completed");
        expect(types).not.toContain("cancelled");
        expect(video.status).toBe("awaiting_upload");
      } else {
        expect(completed.status, completed.text).toBe(409);
        expect(completed.body.error.code).toBe("upload_cancelled");
        expect(aborted.status).toBe(200);
        expect(aborted.body.status).toBe("cancelled");
        expect(types).toContain("cancelled");
        expect(types).not.toContain("upload_completed");
      }
    }
  });
});

describe("item 12: concurrent manual webhook retries", () => {
  it("ten at once: one 202, nine 409, one attempt queued", async () => {
    const { Dynamo } = await import("@rushes/core/dynamo");
    const hook = await call(alice, "POST", "/v1/webhooks", { url: "https://example.com/r" });
    const deliveryId = "msg_01jabcdefghjkmnpqrstvwxyz1";
    await Dynamo.entities.webhookDelivery
      .create({
        deliveryId,
        endpointId: hook.body.id,
        owner: "alice",
        eventId: "evt_01jabcdefghjkmnpqrstvwxyz1",
        eventType: "video.ready",
        payload: "{}",
        status: "failed",
        attemptCount: 8,
        // Held as by an attempt in flight, so the runtime's sender skips the queued messages
        // and the attempt count stays where this test puts it.
        leaseUntil: Date.now() + 3600_000,
        createdAt: Date.now(),
      })
      .go();
    const path = `/v1/webhooks/${hook.body.id}/deliveries/${deliveryId}/retry`;
    const replies = await Promise.all(Array.from({ length: 10 }, () => call(alice, "POST", path)));
    expect(statuses(replies)).toEqual(["202", ...Array(9).fill("409 attempt_in_progress")]);
    // Once that attempt is recorded, a new manual retry is taken again.
    await Dynamo.entities.webhookDelivery
      .patch({ deliveryId })
      .set({ attemptCount: 9, status: "failed" })
      .go();
    expect((await call(alice, "POST", path)).status).toBe(202);
  });
});
