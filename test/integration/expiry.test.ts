import { afterAll, beforeAll, expect, it } from "vitest";
import { waitUntil } from "../support/wait";
import { type Harness, startHarness } from "./harness";

// An upload never made reads `expired` once its presigned POST (and the grace after it) has
// passed. Asserted only through the API, so it holds whether expiry is settled on read or by a
// sweep.
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    env: {
      RUSHES_UPLOAD_EXPIRES_SECONDS: "1",
      RUSHES_UPLOAD_GRACE_SECONDS: "0",
      RUSHES_SWEEP_INTERVAL_SECONDS: "1",
    },
  });
});

afterAll(async () => {
  await h?.stop();
});

it("expires an upload that never arrives, and says so in reads and listings", async () => {
  const key = await h.newKey("expiry");
  const created = await h.api(key, "POST", "/v1/uploads", {
    filename: "never.mp4",
    contentType: "video/mp4",
    bytes: 1000,
  });
  expect(created.status, created.text).toBe(201);
  const id = created.body.video.id;
  const expiresAt = Date.parse(created.body.video.uploadExpiresAt);
  expect(expiresAt - Date.now()).toBeLessThanOrEqual(1000);
  expect(created.body.video.status).toBe("awaiting_upload");

  const video = await waitUntil(
    () => `video ${id} never read expired`,
    async () => {
      const res = await h.api(key, "GET", `/v1/videos/${id}`);
      return res.body.status === "expired" ? res.body : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  // Not before its presign stopped working.
  expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
  // Nothing was uploaded, so there is no source to sign.
  expect(video.source.url).toBeUndefined();
  const listed = await h.api(key, "GET", "/v1/videos");
  expect(listed.body.data.map((v: { id: string; status: string }) => [v.id, v.status])).toEqual([
    [id, "expired"],
  ]);
  // The sweep settles it, and subscribers hear of it once, as `video.expired`.
  const published = await waitUntil(
    "video.expired published",
    () => {
      const found = h.runtime.events.filter((e) => e.properties.videoId === id);
      return found.length > 0 && found;
    },
    { timeoutMs: 30_000 },
  );
  expect(published.map((e) => [e.type, e.properties.status])).toEqual([
    ["video.expired", "expired"],
  ]);
});
