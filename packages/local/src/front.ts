import { existsSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono, type MiddlewareHandler } from "hono";

/** Anything with Hono's `fetch`: the API app, exactly as Lambda's function URL serves it. */
export interface FetchApp {
  fetch: (request: Request, ...rest: never[]) => Response | Promise<Response>;
}

export interface FrontOptions {
  api: FetchApp;
  /** The built web client (`packages/web/dist`). */
  webDist: string;
  devKey: string;
  /** `RUSHES_MAX_UPLOAD_BYTES`, so the web client refuses oversized files before presigning. */
  maxUploadBytes?: number;
}

/** The paths the API owns; everything else is the web client. */
export function isApiPath(path: string): boolean {
  return (
    path === "/v1" ||
    path.startsWith("/v1/") ||
    path === "/health" ||
    path === "/openapi.json" ||
    path === "/docs" ||
    path.startsWith("/docs/")
  );
}

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * One origin for everything, as the deployed stage has behind its domains: the API app, the
 * web client, and `/config.js`, which preconfigures the web client with the dev key.
 */
export function createFront(options: FrontOptions): {
  fetch: (request: Request) => Promise<Response>;
} {
  const site = new Hono();

  site.get("/config.js", (c) => {
    // The script carries an admin key. Only pages served from this origin may load it: no
    // cross-site <script> include (Sec-Fetch-Site, CORP) and no DNS rebinding (Host).
    const host = new URL(c.req.url).hostname;
    const fetchSite = c.req.header("sec-fetch-site");
    if (!loopbackHosts.has(host) || (fetchSite && !["same-origin", "none"].includes(fetchSite))) {
      return c.text("forbidden\n", 403);
    }
    const config = { apiUrl: "", devKey: options.devKey, maxUploadBytes: options.maxUploadBytes };
    return c.body(`window.RUSHES_CONFIG = ${JSON.stringify(config)};\n`, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "no-store",
      "cross-origin-resource-policy": "same-origin",
      "x-content-type-options": "nosniff",
    });
  });

  let assets: MiddlewareHandler | undefined;
  const built = () => existsSync(join(options.webDist, "index.html"));

  site.use("*", async (c, next) => {
    if (!built()) return next();
    assets ??= serveStatic({ root: options.webDist });
    return assets(c, next);
  });

  // Client-side routes (no file extension) get the app shell.
  site.get("*", async (c, next) => {
    if (!built() || /\.[a-z0-9]+$/i.test(c.req.path)) return next();
    return serveStatic({ path: join(options.webDist, "index.html") })(c, next);
  });

  site.get("/", (c) =>
    c.html(
      `<!doctype html><meta charset="utf-8"><title>rushes</title>
<h1>rushes is running</h1>
<p>The web client is not built yet. Run <code>npm run build -w @rushes/web</code> and reload.</p>
<p>The API is up: <a href="/health">/health</a>, <a href="/docs">/docs</a>.</p>`,
    ),
  );

  return {
    async fetch(request: Request) {
      const { pathname } = new URL(request.url);
      return isApiPath(pathname) ? options.api.fetch(request) : site.fetch(request);
    },
  };
}
