// The /docs page in Debian's Chromium, offline: Scalar's renderer and the document, all served by
// the API itself. Any request beyond the runtime's own origin is blocked and counted.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runtime } from "@rushes/local/runtime";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, launchChromium, requireChromium, skipBrowser } from "../support/e2e";
import { noHandlers } from "../support/in-process";

describe.skipIf(skipBrowser)("/docs in Chromium", () => {
  let runtime: Runtime;
  let browser: Browser;
  let dataDir: string;

  beforeAll(async () => {
    requireChromium();
    dataDir = await mkdtemp(join(tmpdir(), "rushes-docs-"));
    const { startRuntime } = await import("@rushes/local/runtime");
    runtime = await startRuntime({
      dataDir,
      port: 0,
      quiet: true,
      handlers: noHandlers,
    });
    browser = await launchChromium();
  });

  afterAll(() => closeAll({ browser, server: runtime, dir: dataDir }));

  it("renders every operation with nothing fetched from elsewhere and no failed request", async () => {
    const page = await browser.newPage();
    const origin = new URL(runtime.url).origin;
    const elsewhere: string[] = [];
    const failed: string[] = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${origin}/`) || url.startsWith("data:")) return route.continue();
      elsewhere.push(url);
      return route.abort();
    });
    page.on("response", (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${res.url()}`);
    });
    page.on("requestfailed", (req) => {
      if (req.url().startsWith(`${origin}/`)) failed.push(`failed ${req.url()}`);
    });

    await page.goto(`${runtime.url}/docs`);
    const doc = await (await fetch(`${runtime.url}/openapi.json`)).json();
    const summaries = Object.values(
      doc.paths as Record<string, Record<string, { summary: string }>>,
    )
      .flatMap((ops) => Object.values(ops))
      .map((op) => op.summary);
    expect(summaries.length).toBeGreaterThanOrEqual(12);
    // Scalar lists each operation by its summary once the document has loaded.
    for (const summary of summaries) {
      await expect
        .poll(() => page.getByText(summary, { exact: true }).count(), { timeout: 60_000 })
        .toBeGreaterThan(0);
    }
    expect(await page.title()).toBe("rushes API reference");
    expect(failed).toEqual([]);
    expect(elsewhere).toEqual([]);
    await page.close();
  }, 120_000);
});
