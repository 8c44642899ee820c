// Browser end-to-end for cameras: the list comes from the API (a fresh profile sees it), the
// timeline shows a camera's recordings and gaps, and a range dragged on it becomes a clip.
import { mkdir, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { apiClient, uploadBytes, waitReady } from "../support/api";
import {
  closeAll,
  expectNoErrors,
  freePort,
  launchChromium,
  requireChromium,
  type StartedServer,
  settledBox,
  shots,
  skipBrowser,
  startServer,
  watchErrors,
  within,
} from "../support/e2e";
import { generateVideo } from "../support/media";

describe.skipIf(skipBrowser)("cameras in Chromium against npm start", () => {
  let dir: string;
  let server: StartedServer | undefined;
  let base: string;
  let devKey: string;
  let browser: Browser;
  let page: Page;
  let errors: string[] = [];
  const t0 = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
  const recordings: string[] = [];

  const call = apiClient(() => base);
  const api = (method: string, path: string, body?: unknown) => call(devKey, method, path, body);

  beforeAll(async () => {
    requireChromium();
    await mkdir(shots, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), "rushes-e2e-cams-media-"));
    const [port, file] = await Promise.all([
      freePort(),
      generateVideo({ path: join(dir, "rec.mp4"), seconds: 2, width: 320, height: 180 }),
    ]);
    devKey = `rk_e2e_cameras_${port}_key_long_enough`;
    server = await startServer({
      name: "cams",
      port,
      env: {
        RUSHES_DEV_KEY: devKey,
        RUSHES_CLIP_RETRY_DELAY_SECONDS: "1",
        RUSHES_THUMBNAIL_WIDTHS: "160",
      },
    });
    base = server.base;
    // A camera made elsewhere (here, the API), with three recordings: 2 s, 2 s, a 5 s gap, 2 s.
    expect((await api("POST", "/v1/cameras", { alias: "Dock", cameraId: "dock-1" })).status).toBe(
      201,
    );
    const bytes = await readFile(file);
    for (const offset of [0, 2000, 9000]) {
      const camera = { cameraId: "dock-1", recordedAt: t0 + offset };
      recordings.push(await uploadBytes(call, devKey, bytes, { filename: "rec.mp4", camera }));
    }
    for (const id of recordings) {
      await waitReady(call, devKey, id);
    }
    browser = await launchChromium();
    // A fresh profile: nothing in localStorage, so whatever it shows came from the API.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    errors = watchErrors(page);
  }, 240_000);

  afterEach(() => expectNoErrors(errors));

  afterAll(() => closeAll({ browser, server, dir }));

  it("lists the cameras from the API in a fresh browser profile", async () => {
    await page.goto(`${base}/#/clips`);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    const item = page.locator(".camera-list li", { hasText: "Dock" });
    await item.waitFor({ timeout: 15_000 });
    expect(await item.locator("code").textContent()).toBe("dock-1");
    // The clip form's picker offers it too.
    await expect
      .poll(() => page.locator("#clip-camera option").allTextContents(), { timeout: 5000 })
      .toContain("Dock · dock-1");
  });

  it("shows the recordings and the gap on the camera's timeline", async () => {
    const timeline = page.locator(".camera-timeline[data-camera-id='dock-1']");
    await timeline.locator(".timeline-recording").first().waitFor({ timeout: 15_000 });
    expect(
      await timeline
        .locator(".timeline-recording")
        .evaluateAll((els) => els.map((e) => e.getAttribute("data-video-id"))),
    ).toEqual(recordings);
    await timeline.getByLabel("Zoom to the footage").check();
    // Zoomed to the footage, the gap between the second and third recordings is on the bar.
    const gaps = await timeline
      .locator(".timeline-gap")
      .evaluateAll((els) => els.map((e) => e.getAttribute("title")));
    const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
    expect(gaps.some((g) => g?.endsWith(`→ ${utc(t0 + 9000)}`))).toBe(true);
    const box = await timeline.locator(".timeline-gap", { hasText: "" }).last().boundingBox();
    expect(box?.width).toBeGreaterThan(20);
    await page.screenshot({ path: join(shots, "cameras-timeline-desktop.png"), fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await settledBox(timeline.locator(".timeline-bar"));
    await page.screenshot({ path: join(shots, "cameras-timeline-375.png"), fullPage: true });
    const narrow = await timeline.locator(".timeline-bar").boundingBox();
    expect(narrow!.width).toBeLessThanOrEqual(375);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it("turns a range dragged on the timeline into a clip that becomes available", async () => {
    const timeline = page.locator(".camera-timeline[data-camera-id='dock-1']");
    await timeline.scrollIntoViewIfNeeded();
    // The timeline lays itself out again after the previous step's resize: measure it once it is still.
    const bar = await settledBox(timeline.locator(".timeline-bar"));
    expect(bar.width).toBeGreaterThan(375);
    const boxes = () =>
      Promise.all(
        recordings
          .slice(0, 2)
          .map((id) => timeline.locator(`[data-video-id='${id}']`).boundingBox()),
      );
    // From inside the first recording to inside the second: covered footage across a join. The
    // drag counts only if the bar kept its layout while it was made (a busy page may still be
    // laying the timeline out again); otherwise it is made again on the layout that stands.
    for (let attempt = 0; ; attempt++) {
      const [first, second] = await boxes();
      const y = first!.y + first!.height / 2;
      await page.mouse.move(first!.x + first!.width * 0.3, y);
      await page.mouse.down();
      await page.mouse.move(second!.x + second!.width * 0.5, y, { steps: 8 });
      await page.mouse.up();
      const [afterFirst, afterSecond] = await boxes();
      const kept = JSON.stringify([first, second]) === JSON.stringify([afterFirst, afterSecond]);
      if (kept) break;
      expect(attempt, "the timeline never held its layout through a drag").toBeLessThan(3);
      await settledBox(timeline.locator(".timeline-bar"));
    }
    const form = page.locator(".clip-form");
    const local = (v: string) => new Date(v).getTime();
    // The form fills on the next render after the pointer is released.
    await expect
      .poll(async () => local(await form.locator("input[name=start]").inputValue()), within(5000))
      .toBeGreaterThanOrEqual(t0);
    expect(await form.locator("#clip-camera").inputValue()).toBe("dock-1");
    const start = await form.locator("input[name=start]").inputValue();
    const end = await form.locator("input[name=end]").inputValue();
    expect(local(start)).toBeGreaterThanOrEqual(t0);
    expect(local(end)).toBeLessThanOrEqual(t0 + 4000);
    expect(local(end) - local(start)).toBeGreaterThanOrEqual(1000);
    // The same window in UTC, labelled; switching back and forth keeps the instants.
    await form.getByLabel("UTC", { exact: true }).check();
    expect(Date.parse(`${await form.locator("input[name=start]").inputValue()}Z`)).toBe(
      local(start),
    );
    expect(await form.locator("[data-other-zone]").first().textContent()).toMatch(/local \(UTC/);
    await form.getByLabel(/Local time/).check();
    expect(await form.locator("input[name=start]").inputValue()).toBe(start);
    expect(await form.locator("[data-other-zone]").first().textContent()).toMatch(/UTC$/);

    await form.getByRole("button", { name: "Request clip" }).click();
    const clip = page.locator(".clip[data-status]").first();
    await clip.waitFor({ timeout: 10_000 });
    await expect
      .poll(() => clip.getAttribute("data-status"), { timeout: 90_000, interval: 500 })
      .toBe("available");
    const clipId = await clip.getAttribute("data-clip-id");
    const stored = await api("GET", `/v1/clips/${clipId}`);
    expect(Date.parse(stored.body.start)).toBe(local(start));
    expect(stored.body.status).toBe("available");
    await page.screenshot({ path: join(shots, "cameras-clip-desktop.png"), fullPage: true });
  }, 120_000);
});
