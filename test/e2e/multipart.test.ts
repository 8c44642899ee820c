// Browser end-to-end: multipart uploads through the page, and resuming one after a reload.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Ffmpeg } from "@rushes/core/media";
import { type Browser, chromium, type Page, type Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const root = resolve(import.meta.dirname, "../..");
const chromiumPath = "/usr/bin/chromium";
const missing = !existsSync(chromiumPath);
const skip = missing && !process.env.CI;
const MiB = 1024 ** 2;

const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer().once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

/** Lossless noise: 1.2 s of 640×360 is 10–15 MiB, three 5 MiB parts, and a playable video. */
async function noisyVideo(path: string) {
  await exec(Ffmpeg.paths().ffmpeg, [
    ...["-v", "error", "-y", "-f", "lavfi"],
    ...["-i", "testsrc2=size=640x360:rate=25:duration=1.2", "-vf", "noise=alls=100:allf=t+u"],
    ...["-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p"],
    ...["-movflags", "+faststart", path],
  ]);
  return path;
}

const partOf = (request: Request) => {
  const url = new URL(request.url());
  return request.method() === "PUT" && url.searchParams.has("uploadId")
    ? Number(url.searchParams.get("partNumber"))
    : undefined;
};

describe.skipIf(skip)("multipart uploads through the page", () => {
  let dir: string;
  let server: ChildProcess | undefined;
  let output = "";
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

  /** Part PUTs the page sends, with the bytes each carried once it finished. */
  const watchParts = () => {
    const sent: { part: number; bytes: number }[] = [];
    const onFinished = async (request: Request) => {
      const part = partOf(request);
      if (part === undefined) return;
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
    if (missing) throw new Error(`CI is set but ${chromiumPath} is missing`);
    dir = await mkdtemp(join(tmpdir(), "rushes-e2e-multipart-"));
    const [port] = await Promise.all([
      freePort(),
      exec("npm", ["run", "build", "-w", "@rushes/web"], { cwd: root }),
      (async () => {
        file = await noisyVideo(join(dir, "noise.mp4"));
        fileBytes = (await readFile(file)).length;
      })(),
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
        RUSHES_DEV_KEY: "rk_e2e_multipart_dev_key_000000000000",
        RUSHES_MULTIPART_THRESHOLD_BYTES: String(5 * MiB),
        RUSHES_MULTIPART_PART_BYTES: String(5 * MiB),
        RUSHES_THUMBNAIL_WIDTHS: "300",
        RUSHES_LOG_LEVEL: "warn",
      },
    });
    devKey = "rk_e2e_multipart_dev_key_000000000000";
    server.stdout?.on("data", (d) => {
      output += d;
    });
    server.stderr?.on("data", (d) => {
      output += d;
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
      const up = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(base);
    await page.locator(".uppy-Dashboard-input").first().waitFor({ state: "attached" });
  }, 240_000);

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
    // The first two parts to go out get through; the third hangs, as on a dropped connection.
    let let_through = 2;
    await page.route(
      (url) => url.searchParams.has("uploadId") && url.searchParams.has("partNumber"),
      async (route) => {
        if (route.request().method() !== "PUT") return route.continue();
        if (let_through-- > 0) return route.continue();
        // Never answered: the reload below abandons it.
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

    await page.unrouteAll({ behavior: "ignoreErrors" });
    await page.reload();
    await page.locator(".uppy-Dashboard-input").first().waitFor({ state: "attached" });
    const second = watchParts();
    await pick();
    // Shown to the person in the Dashboard's informer.
    const informed = page
      .getByText("Resuming: 2 of 3 parts already uploaded")
      .first()
      .waitFor({ state: "attached", timeout: 30_000 });
    await page.locator(".uppy-StatusBar.is-complete").waitFor({ timeout: 60_000 });
    await informed;
    second.stop();
    // Only the part that never arrived (whichever of the three the network held back).
    const missing = [1, 2, 3].filter((n) => !first.sent.some((s) => s.part === n));
    expect(missing).toHaveLength(1);
    expect(second.sent.map((s) => s.part)).toEqual(missing);
    const secondBytes = second.sent.reduce((sum, s) => sum + s.bytes, 0);
    expect(secondBytes).toBeLessThan(firstBytes);
    expect(firstBytes + secondBytes).toBe(fileBytes);
    // The same video, not a new one: the reload resumed it.
    expect((await newestVideo()).id).toBe(video.id);
    const deadline = Date.now() + 120_000;
    let status = "";
    while (status !== "ready" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      status = (await api(`/v1/videos/${video.id}`)).status;
    }
    expect(status).toBe("ready");
  }, 240_000);
});
