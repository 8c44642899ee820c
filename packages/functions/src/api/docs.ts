import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import type { RouterRoute } from "hono/types";
import type { Document } from "./openapi";
import { describe } from "./route";

/**
 * `/openapi.json` and the `/docs` page. The page and its renderer (Scalar's standalone build,
 * about 3 MB) are files read from disk on request, never part of the handler's JavaScript: in
 * Lambda they are copied beside the bundle (`copyFiles` in infra/api.ts, to `docs/`), locally
 * they are read from this folder and from node_modules.
 */

const types: Record<string, string> = {
  "index.html": "text/html; charset=utf-8",
  "scalar.js": "text/javascript; charset=utf-8",
  "favicon.svg": "image/svg+xml",
};

/** Where each asset lives when not in Lambda's task root. */
const local = (file: string) =>
  file === "scalar.js"
    ? createRequire(import.meta.url).resolve("@scalar/api-reference/browser/standalone.js")
    : fileURLToPath(new URL(`./docs/${file}`, import.meta.url));

const read = (file: string) => {
  const root = process.env.LAMBDA_TASK_ROOT;
  return readFile(root ? join(root, "docs", file) : local(file));
};

const asset = async (file: string) => {
  const type = types[file];
  if (!type) return undefined;
  return new Response(await read(file), {
    headers: {
      "content-type": type,
      // The renderer is pinned by the lockfile; the page is tiny and may change with a deploy.
      "cache-control": file === "index.html" ? "no-cache" : "public, max-age=86400",
    },
  });
};

/** The routes that serve the document and its page; `routes` lists every route the app serves. */
export const docs = (routes: () => RouterRoute[]) => {
  let built: Promise<Document> | undefined;
  return new Hono()
    .get(
      "/openapi.json",
      describe("System", {
        operationId: "getOpenApiDocument",
        summary: "This OpenAPI 3.1 document",
        auth: false,
        response: { status: 200, description: "The document" },
      }),
      async (c) => {
        // Loaded on the first request for it: the builder converts every schema with zod.
        built ??= import("./openapi").then(({ openapi }) => openapi(routes()));
        const document = await built;
        return c.json({ ...document, servers: [{ url: new URL(c.req.url).origin }] }, 200);
      },
    )
    .get("/docs", async (c) => (await asset("index.html")) ?? c.notFound())
    .get("/docs/:file", async (c) => (await asset(c.req.param("file"))) ?? c.notFound());
};
