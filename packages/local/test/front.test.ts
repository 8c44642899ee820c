import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFront, isApiPath } from "../src/front";
import { tempDir } from "./helpers";

// The single origin: API paths to the API app, /config.js, and the built web client.
const api = { fetch: (req: Request) => new Response(`api ${new URL(req.url).pathname}`) };
let dist: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  dist = await tempDir();
});
afterAll(() => dist.remove());

const get = (
  front: ReturnType<typeof createFront>,
  path: string,
  headers: Record<string, string> = {},
  host = "localhost:3000",
) => front.fetch(new Request(`http://${host}${path}`, { headers }));

describe("front", () => {
  it("sends the API's paths to the API app", async () => {
    const front = createFront({ api, webDist: dist.dir, devKey: "rk_dev" });
    for (const path of ["/v1/videos", "/v1", "/health", "/openapi.json", "/docs"]) {
      expect(isApiPath(path)).toBe(true);
      expect(await (await get(front, path)).text()).toBe(`api ${path}`);
    }
    expect(isApiPath("/v10")).toBe(false);
    expect(isApiPath("/healthz")).toBe(false);
  });

  it("serves /config.js with the dev key, to same-origin pages on a loopback host only", async () => {
    const front = createFront({ api, webDist: dist.dir, devKey: "rk_dev", maxUploadBytes: 1000 });
    const ok = await get(front, "/config.js", { "sec-fetch-site": "same-origin" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    expect(ok.headers.get("cross-origin-resource-policy")).toBe("same-origin");
    const script = await ok.text();
    const window: { RUSHES_CONFIG?: unknown } = {};
    new Function("window", script)(window);
    expect(window.RUSHES_CONFIG).toEqual({ apiUrl: "", devKey: "rk_dev", maxUploadBytes: 1000 });

    expect((await get(front, "/config.js", {}, "127.0.0.1:3000")).status).toBe(200);
    expect((await get(front, "/config.js", { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await get(front, "/config.js", {}, "rebound.example:3000")).status).toBe(403);
  });

  it("explains how to build the web client when it is missing", async () => {
    const front = createFront({ api, webDist: join(dist.dir, "missing"), devKey: "rk_dev" });
    const res = await get(front, "/");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("npm run build -w @rushes/web");
  });

  it("serves the built client, with the app shell for client-side routes", async () => {
    const web = join(dist.dir, "dist");
    await mkdir(join(web, "assets"), { recursive: true });
    await writeFile(join(web, "index.html"), "<!doctype html><title>shell</title>");
    await writeFile(join(web, "assets", "app.js"), "console.log(1)");
    const front = createFront({ api, webDist: web, devKey: "rk_dev" });
    expect(await (await get(front, "/")).text()).toContain("shell");
    expect(await (await get(front, "/videos/vid_1")).text()).toContain("shell");
    const asset = await get(front, "/assets/app.js");
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(await asset.text()).toBe("console.log(1)");
    expect((await get(front, "/assets/missing.js")).status).toBe(404);
  });
});
