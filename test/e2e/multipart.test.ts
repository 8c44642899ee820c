// Browser end-to-end: multipart uploads through the page, and resuming one after a reload.
import { createHash } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closeAll,
  launchChromium,
  requireChromium,
  type StartedServer,
  skipBrowser,
  startServer,
} from "../support/e2e";
import { noisyVideo } from "../support/media";
import { waitUntil } from "../support/wait";

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

const MiB = 1024 ** 2;

const partOf = (request: Request) => {
  const url = new URL(request.url());
  return request.method() === "PUT" && url.searchParams.has("uploadId")
    ? Number(url.searchParams.get("partNumber"))
    : undefined;
};

describe.skipIf(skipBrowser)("multipart uploads through the page", () => {
  let dir: string;
  let server: StartedServer | undefined;
  let base: string;
  let devKey: string;
  let browser: Browser;
  let page: Page;
  let file: string;
  let fileBytes: number;

  const api = async (path: string) =>
    (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${devKey}` } })).json();

  const pick = async () => {
    await page.locator(".uppy-Dashboard-input").first().setInputFiles(file);
    await page.locator(".uppy-StatusBar-actionBtn--upload").click();
  };

  /** Part PUTs the page sends that storage took, with the bytes each carried. */
  const watchParts = () => {
    const sent: { part: number; bytes: number }[] = [];
    const onFinished = async (request: Request) => {
      const part = partOf(request);
      if (part === undefined) return;
      // A part the stand-in refused (it can, on a busy machine) is not stored: the page sends
      // it again, and only the stored one counts.
      if (!(await request.response())?.ok()) return;
      // Chromium reports no body size for a Blob sent by XHR; its Content-Length is the real one.
      const { requestBodySize } = await request.sizes();
      const length = Number((await request.allHeaders())["content-length"] ?? 0);
      sent.push({ part, bytes: requestBodySize || length });
    };
    page.on("requestfinished", onFinished);
    return { sent, stop: () => page.off("requestfinished", onFinished) };
  };

  const newestVideo = async () => (await api("/v1/videos?limit=1")).data[0];

  beforeAll(async () => {
    requireChromium();
    dir = await mkdtemp(join(tmpdir(), "rushes-e2e-multipart-media-"));
    await Promise.all([
      (async () => {
        file = await noisyVideo(join(dir, "noise.mp4"));
        fileBytes = (await readFile(file)).length;
      })(),
    ]);
    devKey = "rk_e2e_multipart_dev_key_000000000000";
    server = await startServer({
      name: "multipart",
      env: {
        RUSHES_DEV_KEY: devKey,
        RUSHES_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
        RUSHES_MULTIPART_PART_BYTES: String(5 * MiB),
        RUSHES_THUMBNAIL_WIDTHS: "300",
      },
    });
    base = server.base;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(base);
    await page.locator(".uppy-Dashboard-input").first().waitFor({ state: "attached" });
  }, 240_000);

  afterAll(() => closeAll({ browser, server, dir }));

  it("uploads a file in parts straight to storage, and it becomes ready", async () => {
    expect(fileBytes).toBeGreaterThan(10 * MiB);
    const watch = watchParts();
    await pick();
    await page.locator(".uppy-StatusBar.is-complete").waitFor({ timeout: 60_000 });
    watch.stop();
    expect(watch.sent.map((s) => s.part).sort()).toEqual([1, 2, 3]);
    expect(watch.sent.reduce((sum, s) => sum + s.bytes, 0)).toBe(fileBytes);
    const video = await newestVideo();
    expect(video.multipart).toEqual({ partSize: 5 * MiB, partCount: 3 });
    const deadline = Date.now() + 120_000;
    let status = video.status;
    while (status !== "ready" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await api(`/v1/videos/${video.id}`)).status;
    }
    expect(status).toBe("ready");
    // Nothing left to resume once an upload completed.
    expect(await page.evaluate(() => localStorage.getItem("rushes.multipart"))).toBe("{}");
    await page.locator(".uppy-StatusBar-actionBtn--done").click();
  }, 180_000);

  it("resumes after a reload: the parts already in storage are not sent again", async () => {
    // Two parts get stored; the next one hangs, as on a dropped connection. A part storage
    // refuses does not use up a place, so its retry goes through and exactly two are stored.
    let admitted = 0;
    await page.route(
      (url) => url.searchParams.has("uploadId") && url.searchParams.has("partNumber"),
      async (route) => {
        if (route.request().method() !== "PUT") return route.continue();
        // Never answered: the reload below abandons it.
        if (admitted >= 2) return;
        admitted++;
        const response = await route.fetch();
        if (!response.ok()) admitted--;
        await route.fulfill({ response });
      },
    );
    const first = watchParts();
    await pick();
    await expect.poll(() => first.sent.length, { timeout: 60_000, interval: 200 }).toBe(2);
    first.stop();
    const firstBytes = first.sent.reduce((sum, s) => sum + s.bytes, 0);
    const video = await newestVideo();
    expect(video.status).toBe("awaiting_upload");
    const kept = await page.evaluate(() => localStorage.getItem("rushes.multipart"));
    expect(kept).toContain(video.id);

    // Reload first: unrouting while the third part is still held would let it go on, and
    // storage would then hold all three (the page then rightly says "3 of 3").
    await page.reload();
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await page.locator(".uppy-Dashboard-input").first().waitFor({ state: "attached" });
    // The first look at the stored parts drops, as on a flaky network: the page asks again
    // rather than starting over. The remaining part waits until the page has said it resumed.
    let listed = 0;
    await page.route(
      (url) => url.pathname.endsWith("/parts"),
      (route) =>
        route.request().method() === "GET" && listed++ === 0
          ? route.abort("connectionreset")
          : route.continue(),
    );
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(
      (url) => url.searchParams.has("uploadId") && url.searchParams.has("partNumber"),
      async (route) => {
        await held;
        await route.continue();
      },
    );
    const second = watchParts();
    // Everything the Dashboard's informer says, kept: it shows each message for 10 s only.
    await page.evaluate(() => {
      const said: string[] = [];
      (window as unknown as { informed: string[] }).informed = said;
      new MutationObserver(() => {
        for (const node of document.querySelectorAll(".uppy-Informer p")) {
          said.push(node.textContent ?? "");
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await pick();
    const message = "Resuming: 2 of 3 parts already uploaded";
    // On the video's card for as long as it uploads (held here), and in the informer.
    const note = page.locator(`.card[data-video-id="${video.id}"] .note`);
    await note.waitFor();
    expect(await note.textContent()).toBe(message);
    const informed = await page.evaluate(
      () => (window as unknown as { informed: string[] }).informed,
    );
    expect(informed.some((text) => text.includes(message))).toBe(true);
    expect(listed).toBe(2);
    release();
    await page.locator(".uppy-StatusBar.is-complete").waitFor({ timeout: 60_000 });
    second.stop();
    await page.unrouteAll({ behavior: "ignoreErrors" });
    // Only the part that never arrived (whichever of the three the network held back).
    const missing = [1, 2, 3].filter((n) => !first.sent.some((s) => s.part === n));
    expect(missing).toHaveLength(1);
    expect(second.sent.map((s) => s.part)).toEqual(missing);
    const secondBytes = second.sent.reduce((sum, s) => sum + s.bytes, 0);
    expect(secondBytes).toBeLessThan(firstBytes);
    expect(firstBytes + secondBytes).toBe(fileBytes);
    // The same video, not a new one: the reload resumed it.
    expect((await newestVideo()).id).toBe(video.id);
    const ready = await waitUntil(
      () => `video ${video.id} to be ready`,
      async () => {
        const shown = await api(`/v1/videos/${video.id}`);
        return shown.status === "ready" ? shown : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // What storage holds is the file, byte for byte: the resumed parts joined in order.
    const stored = Buffer.from(await (await fetch(ready.source.url)).arrayBuffer());
    expect(stored.length).toBe(fileBytes);
    expect(sha256(stored)).toBe(sha256(await readFile(file)));
  }, 240_000);
});
