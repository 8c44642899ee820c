import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The OpenAPI document as served, checked by a third-party linter and against the route docs.
// Building it needs no backend: the document only loads the domain modules' schemas.
const exec = promisify(execFile);

type Json = Record<string, any>;
let doc: Json;
let dir: string;

const operations = () =>
  Object.entries(doc.paths as Json).flatMap(([path, ops]) =>
    Object.entries(ops as Json).map(([method, op]) => ({ path, method, op: op as Json })),
  );

beforeAll(async () => {
  const { app } = await import("@rushes/functions/api");
  const res = await app.request("http://api.example/openapi.json");
  expect(res.status).toBe(200);
  doc = await res.json();
  dir = await mkdtemp(join(tmpdir(), "rushes-openapi-"));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the OpenAPI document", () => {
  it("passes @redocly/cli lint (recommended rules) with no errors", async () => {
    const file = join(dir, "openapi.json");
    await writeFile(file, JSON.stringify(doc));
    const bin = join(process.cwd(), "node_modules/.bin/redocly");
    const run = await exec(bin, ["lint", file, "--format=json"], {
      env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(run.stdout) as {
      totals: { errors: number; warnings: number };
      problems: {
        ruleId: string;
        severity: string;
        message: string;
        location: { pointer: string }[];
      }[];
    };
    const errors = report.problems.filter((p) => p.severity === "error");
    expect(errors, JSON.stringify(errors, null, 2)).toEqual([]);
    expect(report.totals.errors).toBe(0);
    // Warnings are not failures, but each is a gap in the docs. The one exception: the two open
    // routes (health, this document) answer no 4xx at all, so they document none.
    const open = ["#/paths/~1health/get/responses", "#/paths/~1openapi.json/get/responses"];
    const warnings = report.problems.filter(
      (p) => !(p.ruleId === "operation-4xx-response" && open.includes(p.location[0]!.pointer)),
    );
    expect(warnings.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual(
      [],
    );
  }, 120_000);

  it("names the server it was fetched from", () => {
    expect(doc.servers).toEqual([{ url: "http://api.example" }]);
  });

  it("gives every operation a unique operationId, a tag and a summary", () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(12);
    const ids = ops.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set((doc.tags as { name: string }[]).map((t) => t.name));
    for (const { path, method, op } of ops) {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.tags, `${method} ${path}`).toHaveLength(1);
      expect(tags).toContain(op.tags[0]);
      expect(op.summary, `${method} ${path}`).toBeTruthy();
    }
  });

  it("documents every error status with the one error schema", () => {
    for (const { path, method, op } of operations()) {
      const statuses = Object.keys(op.responses);
      const errors = statuses.filter((s) => Number(s) >= 400);
      expect(errors, `${method} ${path}`).toContain("500");
      // Every keyed route answers 401; the open ones do not.
      expect(errors.includes("401"), `${method} ${path}`).toBe(
        path.startsWith("/v1/") && !path.startsWith("/v1/playback/"),
      );
      for (const status of errors) {
        expect(op.responses[status].content["application/json"].schema).toEqual({
          $ref: "#/components/schemas/Error",
        });
      }
      // A JSON body may be malformed (400), too large (413) or not JSON at all (415).
      if (op.requestBody) for (const s of ["400", "413", "415"]) expect(errors).toContain(s);
    }
    const error = doc.components.schemas.Error;
    expect(error.properties.error.required).toEqual(["code", "message"]);
  });

  it("has an example for every request body, and each one passes the route's validator", async () => {
    const { app } = await import("@rushes/functions/api");
    const { described } = await import("@rushes/functions/api/route");
    const bodies = operations().filter(({ op }) => op.requestBody);
    expect(bodies.length).toBeGreaterThanOrEqual(4);
    for (const { path, method, op } of bodies) {
      if (!op.requestBody.content["application/json"]) {
        // A file body (subtitles): an example of each type it takes, which the parser accepts.
        const { Captions } = await import("@rushes/core/captions");
        const formats: Record<string, "vtt" | "srt"> = {
          "text/vtt": "vtt",
          "application/x-subrip": "srt",
        };
        for (const [type, content] of Object.entries<Json>(op.requestBody.content)) {
          const example = content.examples?.example?.value;
          expect(example, `${method} ${path} ${type}`).toBeTypeOf("string");
          expect(formats[type], `${method} ${path} ${type}`).toBeDefined();
          expect(() => Captions.parse(example, formats[type]!)).not.toThrow();
        }
        continue;
      }
      const example = op.requestBody.content["application/json"].examples?.example?.value;
      expect(example, `${method} ${path}`).toBeDefined();
      const validator = app.routes
        .filter((r) => r.method.toLowerCase() === method)
        .filter((r) => r.path.replace(/:(\w+)/g, "{$1}") === path)
        .map((r) => (r.handler as unknown as { [described]?: { kind: string } })[described])
        .find((m): m is { kind: "input"; schema: () => Promise<any> } => m?.kind === "input");
      expect(validator, `${method} ${path}`).toBeDefined();
      const parsed = (await validator!.schema()).safeParse(example);
      expect(parsed.success, `${method} ${path}: ${JSON.stringify(parsed.error?.issues)}`).toBe(
        true,
      );
    }
  });

  it("resolves every $ref", () => {
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      const target = ref.slice(8, -1);
      expect(target, ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[target.split("/").pop()!], ref).toBeDefined();
    }
  });
});
