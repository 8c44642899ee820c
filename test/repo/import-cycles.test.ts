// The import-cycle check: Biome's noImportCycles over the whole repository, with no allowance
// (type-only imports count).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const rule = "lint/suspicious/noImportCycles";

interface Override {
  includes: string[];
  linter?: { rules?: { suspicious?: { noImportCycles?: { level?: string } } } };
}

/** Files for which an override lowers the rule (there must be none). */
function allowance(): string[] {
  const text = readFileSync(path.join(root, "biome.jsonc"), "utf8").replace(/^\s*\/\/.*$/gm, "");
  const overrides: Override[] = JSON.parse(text).overrides ?? [];
  return overrides
    .filter((o) => o.linter?.rules?.suspicious?.noImportCycles !== undefined)
    .flatMap((o) => o.includes);
}

interface Diagnostic {
  severity: string;
  category: string;
  location: { path: string; start: { line: number } };
}

function cycles(): Diagnostic[] {
  const biome = path.join(root, "node_modules/.bin/biome");
  const run = spawnSync(biome, ["lint", `--only=${rule.slice(5)}`, "--reporter=json", "."], {
    cwd: root,
    encoding: "utf8",
  });
  const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
  return report.diagnostics.filter((d) => d.category === rule);
}

const found = cycles();

test("no file in the repository is part of an import cycle", () => {
  const reported = found.map((d) => `${d.location.path}:${d.location.start.line}`);
  expect(reported, "break the cycle; do not lower the rule").toEqual([]);
});

test("the rule is on as an error, and no override lowers it", () => {
  const text = readFileSync(path.join(root, "biome.jsonc"), "utf8").replace(/^\s*\/\/.*$/gm, "");
  const config = JSON.parse(text);
  expect(config.linter.rules.suspicious.noImportCycles.level).toBe("error");
  expect(allowance()).toEqual([]);
});
