import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Api } from "../../../test/support/api";
import { walkPages } from "../../../test/support/api";
import { startInProcess } from "../../../test/support/in-process";

// Every listing filter walked through its cursors, page by page, over real dynalite: exact ids in
// exact order (newest first), no duplicates, no gaps, at least three pages each.
let env: Awaited<ReturnType<typeof startInProcess>>;
let api: Api;
let key: string;
/** Oldest first, as created. */
const videos: Array<{ id: string; project?: string; step?: string; ready: boolean }> = [];
const clips: Array<{ id: string; cameraId: string }> = [];

beforeAll(async () => {
  env = await startInProcess({ env: { RUSHES_CLIP_MAX_SECONDS: "600" } });
  api = env.api;
  key = await env.newKey("lister");
  const { Dynamo } = await import("@rushes/core/dynamo");
  for (let i = 0; i < 24; i++) {
    const project = i % 3 !== 2 ? "p" : undefined;
    const step = project && i % 2 === 0 ? "a" : project ? "b" : undefined;
    const res = await api(key, "POST", "/v1/uploads", {
      filename: `v${i}.mp4`,
      contentType: "video/mp4",
      bytes: 100,
      ...(project ? { project } : {}),
      ...(step ? { step } : {}),
    });
    expect(res.status, res.text).toBe(201);
    const ready = i % 4 < 2;
    if (ready) {
      await Dynamo.entities.video
        .patch({ videoId: res.body.video.id })
        .set({ status: "ready" })
        .composite({ owner: "lister" })
        .go();
    }
    videos.push({ id: res.body.video.id, project, step, ready });
  }
  // A decoy owner whose videos share the project name must never appear.
  const other = await env.newKey("lister2");
  for (let i = 0; i < 3; i++) {
    await api(other, "POST", "/v1/uploads", {
      filename: "x.mp4",
      contentType: "video/mp4",
      bytes: 1,
      project: "p",
      step: "a",
    });
  }
  for (const cameraId of ["north", "south"]) {
    expect((await api(key, "POST", "/v1/cameras", { alias: cameraId, cameraId })).status).toBe(201);
  }
  const now = Date.now();
  for (let i = 0; i < 12; i++) {
    const cameraId = i % 3 === 0 ? "south" : "north";
    const res = await api(key, "POST", "/v1/clips", {
      cameraId,
      start: now - 60_000,
      end: now - 50_000,
    });
    expect(res.status, res.text).toBe(202);
    clips.push({ id: res.body.id, cameraId });
  }
});

afterAll(async () => {
  await env?.stop();
});

const newestFirst = (pick: (v: (typeof videos)[number]) => boolean) =>
  videos
    .filter(pick)
    .map((v) => v.id)
    .reverse();

describe("GET /v1/videos across pages", () => {
  it.each([
    ["no filter", "&limit=2", () => true],
    ["status", "&status=ready&limit=2", (v: (typeof videos)[number]) => v.ready],
    ["project", "&project=p&limit=2", (v: (typeof videos)[number]) => v.project === "p"],
    [
      "project+step",
      "&project=p&step=a&limit=2",
      (v: (typeof videos)[number]) => v.project === "p" && v.step === "a",
    ],
    [
      "project+status",
      "&project=p&status=ready&limit=2",
      (v: (typeof videos)[number]) => v.project === "p" && v.ready,
    ],
    [
      "project+step+status",
      "&project=p&step=b&status=awaiting_upload&limit=1",
      (v: (typeof videos)[number]) => v.project === "p" && v.step === "b" && !v.ready,
    ],
  ])("walks %s", async (_name, query, pick) => {
    const expected = newestFirst(pick);
    expect(expected.length).toBeGreaterThanOrEqual(4);
    const { ids, pages } = await walkPages(api, key, `/v1/videos?${query.slice(1)}`);
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages.length).toBeGreaterThanOrEqual(3);
  });

  it("walks a page size that does not divide the total", async () => {
    const { ids, pages } = await walkPages(api, key, "/v1/videos?limit=5&project=p");
    expect(ids).toEqual(newestFirst((v) => v.project === "p"));
    expect(pages.map((p) => p.length).slice(0, 3)).toEqual([5, 5, 5]);
  });
});

describe("GET /v1/clips across pages", () => {
  it("walks all clips", async () => {
    const { ids, pages } = await walkPages(api, key, "/v1/clips?limit=3");
    expect(ids).toEqual(clips.map((c) => c.id).reverse());
    expect(pages.length).toBeGreaterThanOrEqual(4);
  });

  it.each(["north", "south"])("walks clips by camera %s", async (cameraId) => {
    const { ids, pages } = await walkPages(api, key, `/v1/clips?limit=2&cameraId=${cameraId}`);
    expect(ids).toEqual(
      clips
        .filter((c) => c.cameraId === cameraId)
        .map((c) => c.id)
        .reverse(),
    );
    expect(pages.length).toBeGreaterThanOrEqual(2);
  });
});
