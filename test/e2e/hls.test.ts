// Browser end-to-end for adaptive playback: hls.js in Debian's Chromium plays the tokenised
// master from a real `npm start`, switches rungs, and shows storyboard tiles over the seek bar.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postToPresigned } from "../integration/harness";
import { generateVideo } from "../support/media";

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const chromiumPath = "/usr/bin/chromium";
const missing = !existsSync(chromiumPath);
const skip = missing && !process.env.CI;
const within = (timeout: number) => ({ timeout, interval: 200 });

const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer().once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

describe.skipIf(skip)("HLS playback in Chromium", () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let output = "";
  let base: string;
  let browser: Browser;
  let page: Page;
  let videoId: string;
  const errors: string[] = [];

  beforeAll(async () => {
    if (missing) throw new Error(`CI is set but ${chromiumPath} is missing`);
    dir = await mkdtemp(join(tmpdir(), "rushes-e2e-hls-"));
    const [port, source] = await Promise.all([
      freePort(),
      // ~8 s at 480p: two rungs (480p, 360p) and four storyboard tiles.
      generateVideo({
        path: join(dir, "eight.mp4"),
        width: 854,
        height: 480,
        seconds: 8,
        fps: 25,
        preset: "ultrafast",
      }),
      exec("npm", ["run", "build", "-w", "@rushes/web"], { cwd: root }),
    ]);
    base = `http://127.0.0.1:${port}`;
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith("SST_RESOURCE_")),
    );
    server = spawn(join(root, "node_modules/.bin/tsx"), ["packages/local/src/main.ts"], {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...env,
        PORT: String(port),
        RUSHES_DATA_DIR: join(dir, "data"),
        RUSHES_LOG_LEVEL: "warn",
      },
    });
    server.stdout?.on("data", (d) => {
      output += d;
    });
    server.stderr?.on("data", (d) => {
      output += d;
    });
    const deadline = Date.now() + 90_000;
    while (
      !(await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (server.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(`${base}/`);
    const key = await page.evaluate(() => window.RUSHES_CONFIG?.devKey);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body ? { "content-type": "application/json" } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return res.json();
    };
    const bytes = await readFile(source);
    const created = await call("POST", "/v1/uploads", {
      filename: "eight.mp4",
      contentType: "video/mp4",
      bytes: bytes.length,
      title: "Adaptive",
    });
    videoId = created.video.id;
    expect((await postToPresigned(created.upload, bytes)).status).toBeLessThan(300);
    const started = Date.now();
    for (;;) {
      const video = await call("GET", `/v1/videos/${videoId}`);
      if (video.status === "ready") break;
      if (video.status !== "processing" && video.status !== "awaiting_upload")
        throw new Error(`video ended ${video.status}: ${JSON.stringify(video.error)}`);
      if (Date.now() - started > 180_000) throw new Error("video never became ready");
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    const child = server;
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((done) => child.once("exit", done));
      process.kill(-child.pid, "SIGTERM");
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

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
