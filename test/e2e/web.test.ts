// Browser end-to-end: the built web client in Debian's Chromium, against a real `npm start`.
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  chromiumPath,
  closeAll,
  expectNoErrors,
  launchChromium,
  requireChromium,
  type StartedServer,
  shots,
  skipBrowser,
  startServer,
  watchErrors,
  within,
} from "../support/e2e";
import { generateVideo } from "../support/media";

if (skipBrowser) {
  console.warn(
    `skipping browser e2e: ${chromiumPath} not found (apt-get install chromium); CI requires it`,
  );
}

const text = (locator: Locator) =>
  locator.textContent({ timeout: 1000 }).then(
    (t) => t?.trim() ?? "",
    () => "",
  );
/** A `<input type="datetime-local">` value (local time) for an instant. */
const localInput = (ms: number) => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

describe.skipIf(skipBrowser)("web client in Chromium against npm start", () => {
  let dir: string;
  let server: StartedServer | undefined;
  let base: string;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];
  /** Console errors a step provokes on purpose (a 4xx it shows to the person), by URL. */
  let expectedFailures: RegExp | undefined;
  const media: Record<"main" | "hd" | "first" | "second", string> = {
    main: "",
    hd: "",
    first: "",
    second: "",
  };

  const shoot = async (name: string) => {
    // Full-page shots don't scroll, so lazy images below the fold would never load.
    await page.evaluate(async () => {
      for (let y = 0; y < document.body.scrollHeight; y += 400) {
        scrollTo(0, y);
        await new Promise((r) => setTimeout(r, 50));
      }
      scrollTo(0, 0);
    });
    await page.waitForLoadState("networkidle").catch(() => {});
    await page.screenshot({ path: join(shots, `${name}-desktop.png`), fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, `${name}-375.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  };

  const upload = async (
    file: string,
    fields: { title?: string; project?: string; camera?: string; recordedAt?: number } = {},
  ) => {
    const uploader = page.locator(".uploader");
    if (fields.title !== undefined) await uploader.getByLabel("Title").fill(fields.title);
    // The project carries over between uploads in the page, so every upload sets its own.
    await uploader.getByLabel("Project").fill(fields.project ?? "");
    if (fields.camera) {
      const recording = uploader.locator("details.recording");
      if ((await recording.getAttribute("open")) === null)
        await recording.locator("summary").click();
      await uploader.locator("#upload-camera").selectOption(fields.camera);
    }
    if (fields.recordedAt !== undefined) {
      await uploader.locator("input[name=recordedAt]").fill(localInput(fields.recordedAt));
    }
    await page.locator(".uppy-Dashboard-input").first().setInputFiles(file);
    await page.locator(".uppy-StatusBar-actionBtn--upload").click();
  };

  beforeAll(async () => {
    requireChromium();
    dir = await mkdtemp(join(tmpdir(), "rushes-e2e-web-media-"));
    await mkdir(shots, { recursive: true });
    await Promise.all([
      (async () => {
        media.main = await generateVideo({ path: join(dir, "pattern.mp4"), seconds: 2 });
        media.hd = await generateVideo({
          path: join(dir, "hd.mp4"),
          width: 1280,
          height: 720,
          // Long enough to still be playing when the rung switches.
          seconds: 8,
          preset: "ultrafast",
        });
        media.first = await generateVideo({ path: join(dir, "gate-1.mp4"), seconds: 2 });
        media.second = await generateVideo({ path: join(dir, "gate-2.mp4"), seconds: 2 });
      })(),
    ]);
    server = await startServer({ name: "web", env: { RUSHES_CLIP_RETRY_DELAY_SECONDS: "1" } });
    base = server.base;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    errors = watchErrors(page, () => expectedFailures);
  }, 240_000);

  // No console errors anywhere in the flow: checked after every step, so the failing step is named.
  afterEach(() => expectNoErrors(errors));

  afterAll(() => closeAll({ browser, server, dir }));

  it("uploads a video through the file input and shows its progress", async () => {
    await page.goto(`${base}/`);
    expect(await page.evaluate(() => window.RUSHES_CONFIG?.devKey)).toMatch(/^rk_/);
    await page.locator(".uppy-Dashboard-input").first().waitFor({ state: "attached" });
    // Slow the upload so its progress is visible, and record every value the page shows.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 48 * 1024,
    });
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { progressSeen: number[] }).progressSeen = seen;
      const record = () => {
        for (const p of document.querySelectorAll<HTMLProgressElement>(
          "progress[data-upload-progress]",
        )) {
          seen.push(p.value);
        }
      };
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ["value"],
      });
      // Preact sets `value` as a property, which no attribute mutation reports: sample as well.
      setInterval(record, 50);
      (window as unknown as { loadMarker: boolean }).loadMarker = true;
    });
    await upload(media.main, { title: "Test pattern", project: "e2e" });
    const card = page.locator(".card", { hasText: "Test pattern" });
    await card.getByRole("progressbar").waitFor({ timeout: 10_000 });
    await page.locator(".uppy-StatusBar.is-complete").waitFor({ timeout: 30_000 });
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    const seen = await page.evaluate(
      () => (window as unknown as { progressSeen: number[] }).progressSeen,
    );
    expect(
      seen.some((v) => v > 0 && v < 100),
      `progress values seen: ${seen.join(",")}`,
    ).toBe(true);
    expect(await text(page.locator(".uppy-StatusBar"))).toContain("Complete");
  });

  it("shows it ready with a thumbnail that loaded, updated live without a reload", async () => {
    const card = page.locator(".card", { hasText: "Test pattern" });
    await card.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 60_000 });
    expect(await text(card.locator(".badge"))).toBe("Ready");
    expect(await text(card.locator(".duration"))).toBe("0:02");
    const thumb = card.locator("img.thumb");
    await thumb.scrollIntoViewIfNeeded();
    await expect
      .poll(
        () => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth),
        within(15_000),
      )
      .toBeGreaterThan(0);
    expect(
      await page.evaluate(() => (window as unknown as { loadMarker?: boolean }).loadMarker),
    ).toBe(true);
    await page.locator(".uppy-StatusBar-actionBtn--done").click();
    await shoot("library");
  });

  it("opens the video page with a playable <video>, thumbnails and history", async () => {
    await page.locator(".card", { hasText: "Test pattern" }).locator(".card-link").click();
    await page.getByRole("heading", { level: 2, name: "Test pattern" }).waitFor();
    const video = page.locator(".player video");
    await video.waitFor();
    // hls.js feeds the element through Media Source Extensions.
    await expect.poll(() => video.getAttribute("src"), within(10_000)).toMatch(/^blob:/);
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), within(20_000))
      .toBeGreaterThanOrEqual(1);
    expect(await video.evaluate((v: HTMLVideoElement) => v.duration)).toBeGreaterThan(1.5);
    const still = page.locator(".thumbs img");
    await still.scrollIntoViewIfNeeded();
    await expect
      .poll(
        () => still.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth),
        within(10_000),
      )
      .toBeGreaterThan(0);
    expect(
      await page.getByRole("link", { name: "Download the source" }).getAttribute("href"),
    ).toMatch(/^http/);
    const history = await page.locator(".timeline li strong").allTextContents();
    expect(history.map((t) => t.toLowerCase())).toEqual(["created", "processing", "ready"]);
    await shoot("video");
  });

  it("streams adaptively by default, with each rung as a choice and the MP4s as downloads", async () => {
    await page.getByRole("link", { name: "Videos", exact: true }).click();
    await upload(media.hd, { title: "HD pattern" });
    await page.locator(".uppy-StatusBar.is-complete").waitFor({ timeout: 30_000 });
    await page.locator(".uppy-StatusBar-actionBtn--done").click();
    const card = page.locator(".card", { hasText: "HD pattern" });
    await card.and(page.locator('[data-status="ready"]')).waitFor({ timeout: 60_000 });
    await card.locator(".card-link").click();
    const video = page.locator(".player video");
    await video.waitFor();
    const quality = page.getByRole("group", { name: "Quality" });
    // The rungs are listed once hls.js has read the master playlist.
    await expect
      .poll(
        () =>
          quality
            .getByRole("radio")
            .evaluateAll((rs) => rs.map((r) => (r as HTMLInputElement).value)),
        within(20_000),
      )
      .toEqual(["Auto", "720p", "480p", "360p"]);
    expect(await quality.getByRole("radio", { name: "Auto" }).isChecked()).toBe(true);
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState >= 1), within(20_000))
      .toBe(true);
    for (const name of ["720p", "480p"]) {
      expect(
        await page
          .getByRole("link", { name: new RegExp(`^Download ${name}`) })
          .getAttribute("href"),
      ).toMatch(/^http/);
    }
    await quality.getByRole("radio", { name: /480p/ }).check();
    // A paused element shows no frame of the new rung until it plays: play it, muted.
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await expect
      .poll(
        () => video.evaluate((v: HTMLVideoElement) => [v.readyState >= 1, v.videoHeight]),
        within(20_000),
      )
      .toEqual([true, 480]);
  });

  it("creates a camera, uploads two consecutive recordings and plays a clip across both", async () => {
    await page.getByRole("link", { name: "Cameras & clips" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Gate");
    await page.getByRole("button", { name: "Create camera" }).click();
    await expect
      .poll(() => text(page.getByRole("status")), within(10_000))
      .toContain("Created Gate");
    const cameraId = await text(
      page.locator(".camera-list li", { hasText: "Gate" }).locator("code"),
    );
    expect(cameraId).toMatch(/^cam_/);

    // Two 2 s recordings back to back, a minute ago (whole seconds: the inputs take seconds).
    const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    await page.getByRole("link", { name: "Videos", exact: true }).click();
    for (const [i, file] of [media.first, media.second].entries()) {
      await upload(file, { title: `Gate ${i + 1}`, camera: cameraId, recordedAt: t0 + i * 2000 });
      await page.locator(".uppy-StatusBar.is-complete").waitFor({ timeout: 30_000 });
      await page.locator(".uppy-StatusBar-actionBtn--done").click();
    }
    for (const title of ["Gate 1", "Gate 2"]) {
      await page
        .locator(".card", { hasText: title })
        .and(page.locator('[data-status="ready"]'))
        .waitFor({ timeout: 60_000 });
    }

    await page.getByRole("link", { name: "Cameras & clips" }).click();
    const form = page.locator(".clip-form");
    await form.locator("#clip-camera").selectOption(cameraId);
    await form.locator("input[name=start]").fill(localInput(t0 + 1000));
    await form.locator("input[name=end]").fill(localInput(t0 + 3000));
    await form.getByRole("radio", { name: /Exact/ }).check();
    await form.getByRole("button", { name: "Request clip" }).click();
    const clip = page.locator(".clip").first();
    const badge = clip.locator(".badge");
    expect(await text(badge)).toMatch(/Waiting for footage|Processing|Available/);
    await expect.poll(() => text(badge), within(60_000)).toBe("Available");
    await clip.getByRole("button", { name: /^Play clip/ }).click();
    const video = clip.locator("video");
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), within(20_000))
      .toBeGreaterThanOrEqual(1);
    // The second half of the first recording, then the first half of the second.
    expect(await video.evaluate((v: HTMLVideoElement) => v.duration)).toBeCloseTo(2, 0);
    await video.evaluate((v: HTMLVideoElement) => v.pause());
    await shoot("clips");
  });

  it("filters the library by status and project", async () => {
    await page.getByRole("link", { name: "Videos", exact: true }).click();
    const titles = () => page.locator(".card .card-title").allTextContents();
    await expect.poll(titles, within(10_000)).toHaveLength(4);
    const filters = page.getByRole("form", { name: "Filter videos" });
    await filters.getByLabel("Project").fill("e2e");
    await filters.getByRole("button", { name: "Apply" }).click();
    await expect.poll(titles, within(10_000)).toEqual(["Test pattern"]);
    expect(page.url()).toContain("project=e2e");
    await filters.getByLabel("Project").fill("");
    await filters.getByLabel("Status").selectOption("failed");
    await page.getByText("No videos match these filters.").waitFor();
    await filters.getByLabel("Status").selectOption("ready");
    await expect
      .poll(async () => (await titles()).sort(), within(10_000))
      .toEqual(["Gate 1", "Gate 2", "HD pattern", "Test pattern"]);
    await filters.getByLabel("Status").selectOption("");
  });

  it("deletes a video after a confirm", async () => {
    await page.locator(".card", { hasText: "HD pattern" }).locator(".card-link").click();
    await page.getByRole("button", { name: "Delete video…" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this video?" });
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await dialog.isVisible()).toBe(false);
    await page.getByRole("button", { name: "Delete video…" }).click();
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByRole("heading", { name: "Library" }).waitFor();
    await expect
      .poll(() => page.locator(".card .card-title").allTextContents(), within(10_000))
      .not.toContain("HD pattern");
    await page.getByRole("link", { name: "Cameras & clips" }).click();
  });

  it("shows an API refusal as its error.message", async () => {
    expectedFailures = /\/v1\/clips$/;
    const form = page.locator(".clip-form");
    const now = Math.floor(Date.now() / 1000) * 1000;
    await form.locator("input[name=start]").fill(localInput(now - 10_000));
    await form.locator("input[name=end]").fill(localInput(now - 20_000));
    await form.getByRole("button", { name: "Request clip" }).click();
    await expect
      .poll(() => text(form.getByRole("alert")), within(10_000))
      .toBe("end must be after start");
    expectedFailures = undefined;
  });
});
