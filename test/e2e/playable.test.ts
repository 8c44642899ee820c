// Browser end-to-end for playback while processing: a 40 s source cut into 4 s chunks starts
// playing in hls.js before it is ready, and plays on to its end across the moment it turns ready.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Api, apiClient, uploadBytes } from "../support/api";
import {
  closeAll,
  openPlayer,
  requireChromium,
  type StartedServer,
  skipBrowser,
  startServer,
  within,
} from "../support/e2e";
import { generateVideo } from "../support/media";
import { waitUntil } from "../support/wait";

describe.skipIf(skipBrowser)("playback while processing, in Chromium", () => {
  let dir: string;
  let server: StartedServer | undefined;
  let base: string;
  let browser: Browser;
  let page: Page;
  let api: Api;
  let key: string;
  let source: string;
  let errors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    dir = await mkdtemp(join(tmpdir(), "rushes-e2e-playable-media-"));
    source = await generateVideo({
      path: join(dir, "forty.mp4"),
      width: 640,
      height: 360,
      seconds: 40,
      fps: 25,
      gopSeconds: 2,
      preset: "ultrafast",
    });
    server = await startServer({
      name: "playable",
      env: {
        RUSHES_CHUNK_SECONDS: "4",
        RUSHES_RANGED_READ_BYTES: "1",
        // One chunk at a time: the playlist grows chunk by chunk while the player plays.
        RUSHES_LOCAL_CHUNK_CONCURRENCY: "1",
        RUSHES_THUMBNAIL_WIDTHS: "300",
      },
    });
    base = server.base;
    ({ browser, page, errors, key } = await openPlayer(base));
    api = apiClient(base);
  }, 300_000);

  afterAll(() => closeAll({ browser, server, dir }));

  const status = async (id: string) => (await api(key, "GET", `/v1/videos/${id}`)).body;

  it("starts before ready and plays to the end across ready, with one player", async () => {
    const id = await uploadBytes(api, key, await readFile(source), {
      filename: "forty.mp4",
      title: "Still encoding",
    });
    const playable = await waitUntil(
      "the video to be playable",
      async () => {
        const v = await status(id);
        if (v.status === "ready") throw new Error("ready before it was seen playable");
        return v.status === "processing" && v.playback ? v : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 100 },
    );
    expect(playable.playback.complete).toBe(false);

    await page.goto(`${base}/#/videos/${id}`);
    const video = page.locator(".player video");
    await video.waitFor();
    await expect.poll(() => video.getAttribute("src"), within(15_000)).toMatch(/^blob:/);
    const blob = await video.getAttribute("src");
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), within(60_000))
      .toBeGreaterThan(1);
    // Playing, from the first segment, while the rest still encodes; the page says how much is done.
    expect((await status(id)).status).toBe("processing");
    await expect
      .poll(() => page.locator(".encoded").textContent(), within(15_000))
      .toMatch(/^Encoded \d+:\d\d of 0:40/);

    await waitUntil("the video to turn ready", async () => (await status(id)).status === "ready", {
      timeoutMs: 240_000,
      intervalMs: 250,
    });
    const atReady = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    // Plays on to the end on the same player (no reload), whatever it was doing at ready.
    await expect
      .poll(
        () => video.evaluate((v: HTMLVideoElement) => (v.ended ? 40 : v.currentTime)),
        within(120_000),
      )
      .toBeGreaterThan(39);
    expect(atReady).toBeLessThan(39);
    expect(await video.getAttribute("src")).toBe(blob);
    expect(await video.evaluate((v: HTMLVideoElement) => v.duration)).toBeGreaterThan(39);
    expect(errors).toEqual([]);
  }, 420_000);
});
