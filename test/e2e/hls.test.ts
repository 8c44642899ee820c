// Browser end-to-end for adaptive playback: hls.js in Debian's Chromium plays the tokenised
// master from a real `npm start`, switches rungs, and shows storyboard tiles over the seek bar.
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, uploadBytes, waitReady } from "../support/api";
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

describe.skipIf(skipBrowser)("HLS playback in Chromium", () => {
  let dir: string;
  let server: StartedServer | undefined;
  let base: string;
  let browser: Browser;
  let page: Page;
  let videoId: string;
  let errors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    dir = await mkdtemp(join(tmpdir(), "rushes-e2e-hls-media-"));
    const [source] = await Promise.all([
      // ~8 s at 480p: two rungs (480p, 360p) and four storyboard tiles.
      generateVideo({
        path: join(dir, "eight.mp4"),
        width: 854,
        height: 480,
        seconds: 8,
        fps: 25,
        preset: "ultrafast",
      }),
    ]);
    server = await startServer({ name: "hls" });
    base = server.base;
    let key: string;
    ({ browser, page, errors, key } = await openPlayer(base));
    const api = apiClient(base);
    const fields = { filename: "eight.mp4", title: "Adaptive" };
    videoId = await uploadBytes(api, key, await readFile(source), fields);
    await waitReady(api, key, videoId);
  }, 300_000);

  afterAll(() => closeAll({ browser, server, dir }));

  it("plays the tokenised master with hls.js past 3 s, switches rungs, shows storyboard tiles", async () => {
    await page.goto(`${base}/#/videos/${videoId}`);
    const video = page.locator(".player video");
    await video.waitFor();
    await expect.poll(() => video.getAttribute("src"), within(15_000)).toMatch(/^blob:/);
    const quality = page.getByRole("group", { name: /Quality/ });
    await quality.getByRole("radio").first().waitFor({ timeout: 15_000 });
    expect(
      await quality
        .getByRole("radio")
        .evaluateAll((rs) => rs.map((r) => (r as HTMLInputElement).value)),
    ).toEqual(["Auto", "480p", "360p"]);

    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), within(30_000))
      .toBeGreaterThan(3);

    // A rung switch replaces the buffer: the picture's size follows.
    await quality.getByRole("radio", { name: "360p" }).check();
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.videoHeight), within(20_000))
      .toBe(360);
    await expect
      .poll(() => page.locator(".player").getAttribute("data-level"), within(5000))
      .toBe("360p");
    await quality.getByRole("radio", { name: "480p" }).check();
    await video.evaluate((v: HTMLVideoElement) => {
      v.currentTime = 0.5;
      return v.play();
    });
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.videoHeight), within(20_000))
      .toBe(480);

    // Hovering the seek bar three quarters in shows the tile for ~6 s, from a signed sheet.
    const bar = page.getByRole("slider", { name: "Seek" });
    const box = (await bar.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2);
    const tile = page.locator(".storyboard-tile");
    await tile.waitFor({ timeout: 10_000 });
    expect(Number(await tile.getAttribute("data-start"))).toBe(6);
    const style = await tile.evaluate((t: HTMLElement) => ({
      image: t.style.backgroundImage,
      position: t.style.backgroundPosition,
      width: t.style.width,
    }));
    expect(style.image).toMatch(/^url\("http.*media\/vid_[^/]+\/storyboard\/0\.jpg/);
    expect(style.position).toBe("-480px 0px");
    expect(style.width).toBe("160px");
    const sheet = await page.evaluate(
      async (url) => (await fetch(url)).status,
      style.image.slice(5, -2),
    );
    expect(sheet).toBe(200);

    expect(errors).toEqual([]);
  }, 120_000);
});
