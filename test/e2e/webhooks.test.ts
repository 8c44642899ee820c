// Browser end-to-end: the Webhooks page in Chromium, against the runtime and a real receiver.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runtime } from "@rushes/local/runtime";
import type { Browser, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAll, exec, launchChromium, requireChromium, root, skipBrowser } from "../support/e2e";
import { publishVideo } from "../support/events";
import { type Receiver, startReceiver } from "../support/receiver";

describe.skipIf(skipBrowser)("the Webhooks page in Chromium", () => {
  let dir: string;
  let runtime: Runtime;
  let receiver: Receiver;
  let hookUrl: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    requireChromium();
    dir = await mkdtemp(join(tmpdir(), "rushes-e2e-webhooks-"));
    // Its own build output: web.test.ts may be building packages/web/dist at the same time.
    const webDist = join(dir, "web");
    await exec(
      join(root, "node_modules/.bin/vite"),
      ["build", "--outDir", webDist, "--emptyOutDir", "--logLevel", "warn"],
      { cwd: join(root, "packages/web") },
    );
    receiver = await startReceiver();
    hookUrl = `${receiver.base}/hook`;
    const { startRuntime } = await import("@rushes/local/runtime");
    runtime = await startRuntime({ dataDir: join(dir, "data"), port: 0, quiet: true, webDist });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  afterAll(async () => {
    await receiver?.close();
    await closeAll({ browser, server: runtime, dir });
  });

  it("adds an endpoint, shows its secret once, lists its deliveries and retries one", async () => {
    await page.goto(`${runtime.url}/#/webhooks`);
    await page.getByRole("heading", { name: "Webhooks" }).waitFor();
    await page.getByText("No webhooks yet.").waitFor();
    await page.getByLabel("Endpoint URL").fill(hookUrl);
    await page.getByRole("button", { name: "Add webhook" }).click();
    const secret = await page.getByLabel("Signing secret").inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.locator(".webhook-url", { hasText: hookUrl }).waitFor();
    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.getByLabel("Signing secret").count()).toBe(0);

    // The dev key's owner is the admin; an event of theirs reaches the endpoint.
    await publishVideo("admin", "vid_e2e", { eventId: "evt_e2e" });
    await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(1);
    expect(
      new Webhook(secret).verify(
        receiver.received[0]!.body,
        receiver.received[0]!.headers as never,
      ),
    ).toMatchObject({ type: "video.ready" });

    await page.getByRole("button", { name: "Recent deliveries" }).click();
    const delivery = page.locator(".delivery");
    await delivery.locator("strong", { hasText: "video.ready" }).waitFor();
    await expect
      .poll(() => delivery.getAttribute("data-status"), { timeout: 20_000 })
      .toBe("succeeded");
    expect(await delivery.textContent()).toContain("1 attempt");
    await delivery.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(2);
    expect(receiver.received[1]!.headers["webhook-id"]).toBe(
      receiver.received[0]!.headers["webhook-id"],
    );
    // The page follows the redelivery while it is pending.
    await expect
      .poll(() => delivery.textContent(), { timeout: 20_000 })
      .toMatch(/succeeded.*2 attempts/);
  });
});
