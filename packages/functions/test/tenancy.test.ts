import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Api, Reply } from "../../../test/support/api";
import { startInProcess } from "../../../test/support/in-process";

// Tenants are told apart by exact strings: owners "alice" and "Alice", and camera ids "Pier-1"
// and "pier-1", are different, and nothing crosses between them. Instants are bounded at the API,
// and a stored instant no Date can hold does not break a listing.
let env: Awaited<ReturnType<typeof startInProcess>>;
let api: Api;
let alice: string;
let Alice: string;

beforeAll(async () => {
  env = await startInProcess({ env: { RUSHES_CLIP_MAX_SECONDS: "600" } });
  api = env.api;
  alice = await env.newKey("alice");
  Alice = await env.newKey("Alice");
});

afterAll(async () => {
  await env?.stop();
});

const expectError = (res: Reply, status: number, code: string) => {
  expect(res.status, res.text).toBe(status);
  expect(res.body.error.code, res.text).toBe(code);
};

const ids = (res: Reply) => {
  expect(res.status, res.text).toBe(200);
  return (res.body.data as Array<{ id: string }>).map((item) => item.id);
};

const presign = (key: string, extra: Record<string, unknown> = {}) =>
  api(key, "POST", "/v1/uploads", {
    filename: "a.mp4",
    contentType: "video/mp4",
    bytes: 100,
    ...extra,
  });

describe("owners that differ only in case", () => {
  it("refuses every case variant of the admin's owner", async () => {
    for (const owner of ["admin", "ADMIN", "Admin", "aDmIn"]) {
      expectError(
        await api(env.runtime.devKey, "POST", "/v1/keys", { owner }),
        409,
        "owner_reserved",
      );
    }
  });

  it("keeps videos apart: by id, in every listing, history and delete", async () => {
    const created = await presign(alice, { project: "Launch", step: "Cut" });
    expect(created.status, created.text).toBe(201);
    const id = created.body.video.id;
    expect((await api(alice, "GET", `/v1/videos/${id}`)).status).toBe(200);
    expectError(await api(Alice, "GET", `/v1/videos/${id}`), 404, "not_found");
    expectError(await api(Alice, "GET", `/v1/videos/${id}/events`), 404, "not_found");
    for (const query of [
      "",
      "?status=awaiting_upload",
      "?project=Launch",
      "?project=launch",
      "?project=Launch&step=Cut",
      "?project=Launch&status=awaiting_upload",
    ]) {
      expect(ids(await api(Alice, "GET", `/v1/videos${query}`)), query).toEqual([]);
    }
    expect(ids(await api(alice, "GET", "/v1/videos?project=Launch"))).toEqual([id]);
    // The project label is exact too.
    expect(ids(await api(alice, "GET", "/v1/videos?project=launch"))).toEqual([]);
    expect(ids(await api(alice, "GET", "/v1/videos?project=Launch&step=cut"))).toEqual([]);
    expectError(await api(Alice, "DELETE", `/v1/videos/${id}`), 404, "not_found");
    expect((await api(alice, "GET", `/v1/videos/${id}`)).status).toBe(200);
  });

  it("keeps cameras apart, and camera ids are exact", async () => {
    const made = await api(alice, "POST", "/v1/cameras", { alias: "Pier", cameraId: "Pier-1" });
    expect(made.status, made.text).toBe(201);
    expectError(await api(Alice, "GET", "/v1/cameras/Pier-1"), 404, "not_found");
    expectError(await api(alice, "GET", "/v1/cameras/pier-1"), 404, "not_found");
    expectError(
      await presign(alice, { camera: { cameraId: "PIER-1", recordedAt: Date.now() } }),
      404,
      "not_found",
    );
    // A different id, so it may exist beside the first.
    const lower = await api(alice, "POST", "/v1/cameras", { alias: "Lower", cameraId: "pier-1" });
    expect(lower.status, lower.text).toBe(201);
    expect((await api(alice, "GET", "/v1/cameras/pier-1")).body.alias).toBe("Lower");
    expect((await api(alice, "GET", "/v1/cameras/Pier-1")).body.alias).toBe("Pier");
  });

  it("keeps clips apart, by id, listing and camera", async () => {
    const now = Date.now();
    const window = { start: now - 60_000, end: now - 50_000 };
    const clip = await api(alice, "POST", "/v1/clips", { cameraId: "Pier-1", ...window });
    expect(clip.status, clip.text).toBe(202);
    expectError(await api(Alice, "GET", `/v1/clips/${clip.body.id}`), 404, "not_found");
    expect(ids(await api(Alice, "GET", "/v1/clips"))).toEqual([]);
    expect(ids(await api(Alice, "GET", "/v1/clips?cameraId=Pier-1"))).toEqual([]);
    expectError(
      await api(Alice, "POST", "/v1/clips", { cameraId: "Pier-1", ...window }),
      404,
      "not_found",
    );
    expect(ids(await api(alice, "GET", "/v1/clips?cameraId=Pier-1"))).toEqual([clip.body.id]);
    expect(ids(await api(alice, "GET", "/v1/clips?cameraId=pier-1"))).toEqual([]);
  });

  it("never cuts one owner's clip from another's recordings of a same-named camera", async () => {
    const { Dynamo } = await import("@rushes/core/dynamo");
    const { ClipWorker } = await import("@rushes/core/clip/worker");
    const recordedAt = Date.now() - 120_000;
    // alice's ready recording on Pier-1, 60 s long.
    const made = await presign(alice, { camera: { cameraId: "Pier-1", recordedAt } });
    expect(made.status, made.text).toBe(201);
    await Dynamo.entities.video
      .patch({ videoId: made.body.video.id })
      .composite({ owner: "alice" })
      .set({
        status: "ready",
        cameraScope: "alice/Pier-1",
        recordingStart: recordedAt,
        endsAt: recordedAt + 60_000,
        probe: { durationMs: 60_000, width: 320, height: 180, videoCodec: "h264" },
        renditions: [{ name: "480p", width: 320, height: 180, bytes: 1, key: "media/x/480p.mp4" }],
      })
      .go();
    // Alice owns a camera with the same id and asks for a window alice's footage covers.
    expect(
      (await api(Alice, "POST", "/v1/cameras", { alias: "Hers", cameraId: "Pier-1" })).status,
    ).toBe(201);
    const clip = await api(Alice, "POST", "/v1/clips", {
      cameraId: "Pier-1",
      start: recordedAt + 10_000,
      end: recordedAt + 20_000,
    });
    expect(clip.status, clip.text).toBe(202);
    expect(await ClipWorker.process(clip.body.id)).toBe("waiting");
    const stored = await Dynamo.entities.clip.get({ clipId: clip.body.id }).go();
    expect(stored.data).toMatchObject({ status: "pending", attempts: 0 });
  });
});

describe("instants", () => {
  const farFuture = 8_639_999_999_999_000;

  it.each([
    ["a far-future epoch", farFuture],
    ["two days ahead", () => Date.now() + 2 * 86_400_000],
    ["before 2000", "1999-12-31T23:59:59Z"],
    ["an epoch in seconds", String(Math.floor(Date.now() / 1000))],
  ])("rejects %s as a recording time with instant_out_of_range", async (_name, value) => {
    const recordedAt = typeof value === "function" ? value() : value;
    await api(alice, "POST", "/v1/cameras", { alias: "Bounds", cameraId: "bounds" });
    const res = await presign(alice, { camera: { cameraId: "bounds", recordedAt } });
    expectError(res, 400, "instant_out_of_range");
    expect(res.body.error.issues[0].path).toBe("camera.recordedAt");
  });

  it("rejects out-of-range clip instants, and accepts a slightly future end", async () => {
    const now = Date.now();
    expectError(
      await api(alice, "POST", "/v1/clips", { cameraId: "Pier-1", start: now, end: farFuture }),
      400,
      "instant_out_of_range",
    );
    expectError(
      await api(alice, "POST", "/v1/clips", {
        cameraId: "Pier-1",
        start: "1970-01-01T00:00:00Z",
        end: now,
      }),
      400,
      "instant_out_of_range",
    );
    const ok = await api(alice, "POST", "/v1/clips", {
      cameraId: "Pier-1",
      start: now + 1000,
      end: now + 60_000,
    });
    expect(ok.status, ok.text).toBe(202);
  });

  it("lists and reads a stored item whose instants no Date can hold", async () => {
    const key = await env.newKey("broken-instants");
    await api(key, "POST", "/v1/cameras", { alias: "Far", cameraId: "far" });
    const fine = await presign(key, { camera: { cameraId: "far", recordedAt: Date.now() } });
    const { Dynamo } = await import("@rushes/core/dynamo");
    const { createId } = await import("@rushes/core/id");
    // Written straight through ElectroDB, as the API would have before instants were bounded.
    const videoId = createId("video");
    await Dynamo.entities.video
      .create({
        videoId,
        owner: "broken-instants",
        filename: "far.mp4",
        contentType: "video/mp4",
        bytes: 1,
        sourceKey: `uploads/${videoId}/source`,
        status: "ready",
        cameraId: "far",
        cameraScope: "broken-instants/far",
        recordedAt: farFuture,
        recordingStart: farFuture,
        endsAt: farFuture + 10_000_000,
        uploadExpiresAt: Date.now() + 3_600_000,
        createdAt: Date.now(),
      })
      .go();
    const clipId = createId("clip");
    await Dynamo.entities.clip
      .create({
        clipId,
        owner: "broken-instants",
        cameraId: "far",
        startAt: farFuture + 1_000_000,
        endAt: Number.MAX_SAFE_INTEGER,
        accuracy: "exact",
        status: "pending",
        requestedAt: Date.now(),
      })
      .go();

    const listed = await api(key, "GET", "/v1/videos");
    expect(ids(listed)).toEqual([videoId, fine.body.video.id]);
    const broken = listed.body.data[0];
    expect(broken.camera).toEqual({
      cameraId: "far",
      recordedAt: new Date(farFuture).toISOString(),
    });
    expect((await api(key, "GET", `/v1/videos/${videoId}`)).status).toBe(200);
    const clips = await api(key, "GET", "/v1/clips");
    expect(ids(clips)).toEqual([clipId]);
    expect(clips.body.data[0].start).toBe(new Date(0).toISOString());
    expect((await api(key, "GET", `/v1/clips/${clipId}`)).status).toBe(200);
  });
});

describe("the backstop behind the keys (exact.ts)", () => {
  it("drops, and never serves, an item an index put in another owner's partition", async () => {
    const { Dynamo } = await import("@rushes/core/dynamo");
    const { createId } = await import("@rushes/core/id");
    const { DynamoDBDocumentClient, PutCommand } = await import("@aws-sdk/lib-dynamodb");
    const { Aws } = await import("@rushes/core/aws");
    const { Resource } = await import("sst");
    const mine = await presign(alice, { project: "Backstop" });
    expect(mine.status).toBe(201);
    // Mallory's video, with the keys a key bug would give it: alice's listing partitions.
    const videoId = createId("video");
    const { Item } = Dynamo.entities.video
      .create({
        videoId,
        owner: "mallory",
        project: "Backstop",
        projectScope: "mallory/Backstop",
        projectSort: videoId,
        filename: "leak.mp4",
        contentType: "video/mp4",
        bytes: 1,
        sourceKey: `uploads/${videoId}/source`,
        status: "awaiting_upload",
        uploadExpiresAt: Date.now() + 3_600_000,
        createdAt: Date.now(),
      })
      .params() as { Item: Record<string, unknown> };
    const leaked = {
      ...Item,
      gsi1pk: "$rushes#owner_alice",
      gsi2pk: "$rushes#projectScope_alice/Backstop",
    };
    const doc = DynamoDBDocumentClient.from(await Aws.dynamo());
    await doc.send(new PutCommand({ TableName: Resource.Table.name, Item: leaked }));
    // The index does return it to alice's queries; the backstop keeps it out of every answer.
    const raw = await Dynamo.entities.video.query.byOwner({ owner: "alice" }).go({ pages: "all" });
    expect(raw.data.map((v) => v.videoId)).toContain(videoId);
    for (const path of ["/v1/videos?limit=100", "/v1/videos?project=Backstop"]) {
      const listed = ids(await api(alice, "GET", path));
      expect(listed, path).not.toContain(videoId);
      if (path.includes("project")) expect(listed).toEqual([mine.body.video.id]);
    }
    expectError(await api(alice, "GET", `/v1/videos/${videoId}`), 404, "not_found");
  });
});
