import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError, startApp } from "./app";

let h: Awaited<ReturnType<typeof startApp>>;
let alice: string;
let bob: string;
const hour = 3600_000;
const now = Date.now();

/** A ready recording, as ingest leaves one: created through the API, finished in the table. */
async function recording(key: string, cameraId: string, recordedAt: number, durationMs: number) {
  const created = await h.call(key, "POST", "/v1/uploads", {
    filename: "r.mp4",
    contentType: "video/mp4",
    bytes: 1000,
    camera: { cameraId, recordedAt },
  });
  expect(created.status, created.text).toBe(201);
  const videoId = created.body.video.id as string;
  const { Dynamo } = await import("@rushes/core/dynamo");
  await Dynamo.entities.video
    .patch({ videoId })
    .composite({ owner: key === alice ? "alice" : "bob" })
    .set({
      status: "ready",
      // What Outcome.complete writes with `ready`: the keys of the camera's recordings index.
      cameraScope: `${key === alice ? "alice" : "bob"}/${cameraId}`,
      recordingStart: recordedAt,
      endsAt: recordedAt + durationMs,
      probe: { durationMs, width: 640, height: 360, videoCodec: "h264" },
      renditions: [
        { name: "480p", width: 854, height: 480, bytes: 10, key: `media/${videoId}/480p.mp4` },
      ],
      thumbnails: [
        { width: 640, height: 360, key: `media/${videoId}/thumb-640.jpg` },
        { width: 300, height: 169, key: `media/${videoId}/thumb-300.jpg` },
      ],
    })
    .go();
  return videoId;
}

beforeAll(async () => {
  h = await startApp();
  alice = await h.newKey("alice");
  bob = await h.newKey("bob");
});

afterAll(async () => {
  await h?.stop();
});

describe("GET /v1/cameras", () => {
  it("lists only the caller's cameras, by id, in pages", async () => {
    for (const id of ["c", "a", "b"]) {
      expect(
        (await h.call(alice, "POST", "/v1/cameras", { alias: `Cam ${id}`, cameraId: id })).status,
      ).toBe(201);
    }
    await h.call(bob, "POST", "/v1/cameras", { alias: "Bob's", cameraId: "bobcam" });
    const first = await h.call(alice, "GET", "/v1/cameras?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.data.map((c: { id: string }) => c.id)).toEqual(["a", "b"]);
    expect(first.body.data[0]).toMatchObject({ id: "a", alias: "Cam a" });
    const second = await h.call(alice, "GET", `/v1/cameras?limit=2&cursor=${first.body.cursor}`);
    expect(second.body.data.map((c: { id: string }) => c.id)).toEqual(["c"]);
    expect(second.body.cursor).toBeNull();
    const bobs = await h.call(bob, "GET", "/v1/cameras");
    expect(bobs.body.data.map((c: { id: string }) => c.id)).toEqual(["bobcam"]);
    // A cursor is bound to its owner.
    expectError(
      await h.call(bob, "GET", `/v1/cameras?cursor=${first.body.cursor}`),
      400,
      "invalid_cursor",
    );
    expectError(await h.call(alice, "GET", "/v1/cameras?limit=0"), 400, "invalid_input");
    expectError(await h.call(undefined, "GET", "/v1/cameras"), 401, "unauthenticated");
  });
});

describe("GET /v1/cameras/:id/recordings", () => {
  it("answers recordings overlapping the window in time order, with gaps over 1 s", async () => {
    await h.call(alice, "POST", "/v1/cameras", { alias: "Pier", cameraId: "pier" });
    const t0 = now - 2 * hour;
    // [t0, t0+10s) [t0+10.5s, t0+20s) — a 0.5 s gap, tolerated — then a 5 s gap, then [t0+25s, t0+30s).
    const c = await recording(alice, "pier", t0 + 25_000, 5_000);
    const a = await recording(alice, "pier", t0, 10_000);
    const b = await recording(alice, "pier", t0 + 10_500, 9_500);
    // Not ready: never listed.
    await h.call(alice, "POST", "/v1/uploads", {
      filename: "x.mp4",
      contentType: "video/mp4",
      bytes: 10,
      camera: { cameraId: "pier", recordedAt: t0 + 12_000 },
    });
    const window = `start=${new Date(t0 - 1000).toISOString()}&end=${t0 + 31_000}`;
    const res = await h.call(alice, "GET", `/v1/cameras/pier/recordings?${window}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.map((r: { videoId: string }) => r.videoId)).toEqual([a, b, c]);
    expect(res.body.data[0]).toMatchObject({
      videoId: a,
      startAt: new Date(t0).toISOString(),
      endAt: new Date(t0 + 10_000).toISOString(),
      durationMs: 10_000,
    });
    expect(res.body.data[0].url).toContain(`media/${a}/480p.mp4`);
    // The smallest thumbnail, signed.
    expect(res.body.data[0].thumbnail.url).toContain("thumb-300.jpg");
    expect(res.body.start).toBe(new Date(t0 - 1000).toISOString());
    expect(res.body.gaps).toEqual([
      { startAt: new Date(t0 + 20_000).toISOString(), endAt: new Date(t0 + 25_000).toISOString() },
    ]);
    expect(res.body.cursor).toBeNull();

    // Paging keeps the window's gaps on every page.
    const page1 = await h.call(alice, "GET", `/v1/cameras/pier/recordings?${window}&limit=2`);
    expect(page1.body.data.map((r: { videoId: string }) => r.videoId)).toEqual([a, b]);
    expect(page1.body.gaps).toHaveLength(1);
    const page2 = await h.call(
      alice,
      "GET",
      `/v1/cameras/pier/recordings?${window}&limit=2&cursor=${page1.body.cursor}`,
    );
    expect(page2.body.data.map((r: { videoId: string }) => r.videoId)).toEqual([c]);
    expect(page2.body.cursor).toBeNull();
    // The cursor belongs to its window.
    expectError(
      await h.call(alice, "GET", `/v1/cameras/pier/recordings?limit=2&cursor=${page1.body.cursor}`),
      400,
      "invalid_cursor",
    );

    // A window that cuts a recording still lists it; the uncovered edges are gaps.
    const partial = await h.call(
      alice,
      "GET",
      `/v1/cameras/pier/recordings?start=${t0 + 5000}&end=${t0 + 40_000}`,
    );
    expect(partial.body.data.map((r: { videoId: string }) => r.videoId)).toEqual([a, b, c]);
    expect(partial.body.gaps).toEqual([
      { startAt: new Date(t0 + 20_000).toISOString(), endAt: new Date(t0 + 25_000).toISOString() },
      { startAt: new Date(t0 + 30_000).toISOString(), endAt: new Date(t0 + 40_000).toISOString() },
    ]);
  });

  it("defaults to the last 24 hours, and a window with nothing in it is one gap", async () => {
    await h.call(alice, "POST", "/v1/cameras", { alias: "Empty", cameraId: "empty" });
    const old = await recording(alice, "empty", now - 30 * hour, 1000);
    const res = await h.call(alice, "GET", "/v1/cameras/empty/recordings");
    expect(res.status).toBe(200);
    expect(res.body.data.map((r: { videoId: string }) => r.videoId)).not.toContain(old);
    const span = Date.parse(res.body.end) - Date.parse(res.body.start);
    expect(span).toBe(24 * hour);
    expect(Math.abs(Date.parse(res.body.end) - Date.now())).toBeLessThan(60_000);
    expect(res.body.gaps).toEqual([{ startAt: res.body.start, endAt: res.body.end }]);
    // A start alone means the 24 h from it.
    const fromStart = await h.call(
      alice,
      "GET",
      `/v1/cameras/empty/recordings?start=${now - 31 * hour}`,
    );
    expect(fromStart.body.data.map((r: { videoId: string }) => r.videoId)).toEqual([old]);
    expect(Date.parse(fromStart.body.end)).toBe(now - 7 * hour);
  });

  it("validates the window", async () => {
    const path = "/v1/cameras/pier/recordings";
    expectError(
      await h.call(alice, "GET", `${path}?start=${now - 8 * 24 * hour}&end=${now}`),
      422,
      "window_too_long",
    );
    expectError(
      await h.call(alice, "GET", `${path}?start=${now}&end=${now - 1}`),
      422,
      "invalid_window",
    );
    expectError(await h.call(alice, "GET", `${path}?start=yesterday`), 400, "invalid_input");
    expectError(await h.call(alice, "GET", `${path}?limit=101`), 400, "invalid_input");
    // A bound derived from the other obeys the Instant bounds too (issue 21, item 11).
    expectError(
      await h.call(alice, "GET", `${path}?end=${Date.UTC(2000, 0, 1, 1)}`),
      400,
      "instant_out_of_range",
    );
    expectError(
      await h.call(alice, "GET", `${path}?start=${Date.now() + 23 * hour}`),
      400,
      "instant_out_of_range",
    );
    // Exactly 7 days is allowed.
    expect(
      (await h.call(alice, "GET", `${path}?start=${now - 7 * 24 * hour}&end=${now}`)).status,
    ).toBe(200);
  });

  it("reads only ready recordings: abandoned uploads cost the query nothing (issue 21, item 2)", async () => {
    const { Dynamo } = await import("@rushes/core/dynamo");
    const { Lifecycle } = await import("@rushes/core/lifecycle");
    const { VideoMoves } = await import("@rushes/core/video/moves");
    const { Outcome } = await import("@rushes/core/video/outcome");
    await h.call(alice, "POST", "/v1/cameras", { alias: "Busy", cameraId: "busy" });
    const upload = (recordedAt: number) =>
      h.call(alice, "POST", "/v1/uploads", {
        filename: "r.mp4",
        contentType: "video/mp4",
        bytes: 1000,
        camera: { cameraId: "busy", recordedAt },
      });
    const t0 = now - hour;
    const abandoned = await Promise.all(Array.from({ length: 40 }, (_, i) => upload(t0 + i)));
    expect(abandoned.every((r) => r.status === 201)).toBe(true);
    // One goes the whole way, through the lifecycle's own move to ready.
    const made = await upload(t0 + 60_000);
    const { data: item } = await Dynamo.entities.video.get({ videoId: made.body.video.id }).go();
    const leased = await Lifecycle.move(Lifecycle.video, item!, VideoMoves.start);
    const probe = { durationMs: 5000, width: 640, height: 360, videoCodec: "h264" };
    const rendition = { name: "480p", width: 640, height: 360, bytes: 1, key: "media/x/480p.mp4" };
    expect(
      await Outcome.complete(leased!, {
        probe,
        renditions: [rendition],
        thumbnails: [],
        report: {},
      }),
    ).toBe("ready");
    // The index holds the one recording: what a query reads is what it returns.
    const indexed = await Dynamo.entities.video.query
      .byCamera({ cameraScope: "alice/busy" })
      .go({ pages: "all" });
    expect(indexed.data.map((v) => v.videoId)).toEqual([made.body.video.id]);
    const listed = await h.call(alice, "GET", "/v1/cameras/busy/recordings?limit=1");
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.data.map((r: { videoId: string }) => r.videoId)).toEqual([
      made.body.video.id,
    ]);
  });

  it("isolates owners: another owner's camera is a 404, like a missing one", async () => {
    expectError(await h.call(bob, "GET", "/v1/cameras/pier/recordings"), 404, "not_found");
    expectError(await h.call(alice, "GET", "/v1/cameras/nope/recordings"), 404, "not_found");
    expectError(await h.call(alice, "GET", "/v1/cameras/bobcam/recordings"), 404, "not_found");
    // Bob's own camera of the same id sees none of Alice's recordings.
    await h.call(bob, "POST", "/v1/cameras", { alias: "Bob's pier", cameraId: "pier" });
    const bobs = await h.call(bob, "GET", `/v1/cameras/pier/recordings?start=${now - 3 * hour}`);
    expect(bobs.status).toBe(200);
    expect(bobs.body.data).toEqual([]);
  });
});
