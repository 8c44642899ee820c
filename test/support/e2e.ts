// What every browser test shares: the system Chromium, a real `npm start` on a free port, the web
// client's build, and polling a page until it is still.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { expect } from "vitest";
import { waitUntil } from "./wait";

export const root = resolve(import.meta.dirname, "../..");
export const exec = promisify(execFile);
export const chromiumPath = "/usr/bin/chromium";
export const chromiumMissing = !existsSync(chromiumPath);
/** Skipped on a machine without Chromium, never in CI (which installs it). */
export const skipBrowser = chromiumMissing && !process.env.CI;
export const shots = "/tmp/rushes-shots";

/** `expect.poll` options: up to `timeout` ms, every 200 ms. */
export const within = (timeout: number) => ({ timeout, interval: 200 });

export function requireChromium() {
  if (chromiumMissing) {
    throw new Error(`CI is set but ${chromiumPath} is missing: install Debian's chromium`);
  }
}

export const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer().once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });

/** Builds the web client into packages/web/dist, as `npm start` serves it. */
export const buildWeb = () => exec("npm", ["run", "build", "-w", "@rushes/web"], { cwd: root });

export type StartedServer = {
  base: string;
  port: number;
  dir: string;
  output: () => string;
  stop: () => Promise<void>;
};

/**
 * `npm start`'s entry point as a child process in its own process group, on a free port with its
 * own data directory, once `/health` answers. `stop` ends the group (SIGKILL after 10 s) and
 * deletes the directory.
 */
export async function startServer(options: {
  name: string;
  env?: Record<string, string>;
  port?: number;
}): Promise<StartedServer> {
  const dir = await mkdtemp(join(tmpdir(), `rushes-e2e-${options.name}-`));
  const port = options.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  // The test process carries placeholder resource names (test/setup.ts); the runtime makes its own.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("SST_RESOURCE_")),
  );
  let output = "";
  const child: ChildProcess = spawn(
    join(root, "node_modules/.bin/tsx"),
    ["packages/local/src/main.ts"],
    {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...env,
        PORT: String(port),
        RUSHES_DATA_DIR: join(dir, "data"),
        RUSHES_LOG_LEVEL: "warn",
        ...options.env,
      },
    },
  );
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  const stop = async () => {
    if (child.pid && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once("exit", done));
      process.kill(-child.pid, "SIGTERM");
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const started = await waitUntil(
    () => `npm start did not come up:\n${output}`,
    async () => {
      if (child.exitCode !== null) return "exited";
      return (await fetch(`${base}/health`)).ok && "up";
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  ).catch(async (error) => {
    await stop();
    throw error;
  });
  if (started === "exited") {
    await stop();
    throw new Error(`npm start exited early:\n${output}`);
  }
  return { base, port, dir, output: () => output, stop };
}

/** Debian's Chromium, headless, with nothing running in the background. */
export const launchChromium = (args: string[] = []): Promise<Browser> =>
  chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...args,
    ],
  });

/**
 * The web client a started server serves, open in Chromium with autoplay allowed: the browser,
 * the page, the console errors it collects and the dev key the page was given.
 */
export async function openPlayer(base: string, viewport = { width: 1280, height: 800 }) {
  const browser = await launchChromium(["--autoplay-policy=no-user-gesture-required"]);
  const page = await browser.newPage({ viewport });
  const errors = watchErrors(page);
  await page.goto(`${base}/`);
  const key = (await page.evaluate(() => window.RUSHES_CONFIG?.devKey))!;
  return { browser, page, errors, key };
}

/** An element's box once two reads 100 ms apart agree: after a resize, it lays out again. */
export async function settledBox(locator: Locator) {
  let last: string | undefined;
  return waitUntil(
    "a still bounding box",
    async () => {
      const box = await locator.boundingBox();
      const seen = JSON.stringify(box);
      const still = box && seen === last;
      last = seen;
      return still && box;
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
}

/**
 * Every console error and uncaught exception the page shows, as lines to assert empty after each
 * step (then clear with `splice(0)`). A failed load of a URL that `expected()` matches is left
 * out: a 4xx a step provokes on purpose, which the page shows to the person.
 */
export function watchErrors(page: Page, expected: () => RegExp | undefined = () => undefined) {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const url = message.location().url ?? "";
    if (expected()?.test(url) && /Failed to load resource/.test(message.text())) return;
    errors.push(`console: ${message.text()} (${url})`);
  });
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

/** After every step: the page showed no error (then they are cleared), so the failing step is named. */
export function expectNoErrors(errors: string[]) {
  expect(errors).toEqual([]);
  errors.splice(0);
}

/** Closes what a browser test opened, as far as it got: the browser, the server, the scratch dir. */
export async function closeAll(opened: {
  browser?: Browser;
  server?: { stop(): Promise<unknown> };
  dir?: string;
}) {
  await opened.browser?.close();
  await opened.server?.stop();
  if (opened.dir) await rm(opened.dir, { recursive: true, force: true });
}
