// docs/performance.md's figures are bench/results.json's, never typed by hand.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import {
  current,
  docPath,
  headline,
  readmePath,
  readmeSection,
  readResults,
  section,
} from "../../bench/report";

const root = path.resolve(import.meta.dirname, "../..");

test("the figures in docs/performance.md are what bench/results.json holds", () => {
  const doc = readFileSync(docPath(root), "utf8");
  expect(current(doc), "run `npm run bench`, or revert the hand edit").toBe(
    section(readResults(root)),
  );
});

test("the README's figures are the same run's headline figures", () => {
  const readme = readFileSync(readmePath(root), "utf8");
  const results = readResults(root);
  expect(current(readme), "run `npm run bench`, or revert the hand edit").toBe(
    readmeSection(results),
  );
  // Every headline figure is one the bench still reports.
  for (const name of headline) {
    expect(results?.table?.map((r) => r.figure)).toContain(name);
  }
});

test("a run's figures and its note are what the section shows", () => {
  const shown = section({
    table: [
      {
        figure: "api.initRatio",
        value: "0.062",
        goal: "≤ 0.3",
        verdict: "met",
        measuredAs: "ours ÷ naive",
      },
      { figure: "api.listRps", value: "32.0", goal: "", verdict: "", measuredAs: "a | b" },
    ],
    meta: {
      startedAt: "2026-01-02T03:04:05.000Z",
      wallSeconds: 1046,
      node: "v20.20.2",
      cpus: 2,
      cpuModel: "AMD EPYC",
      loadAverageAtStart: [4.5, 4, 3],
      loadAverageAtEnd: [6, 5, 4],
      ffmpeg: "ffmpeg version 4.4",
    },
  });
  expect(shown).toContain("started 2026-01-02T03:04:05.000Z, took 17 min 26 s on 2 × AMD EPYC");
  expect(shown).toContain(
    "node v20.20.2, ffmpeg version 4.4; load average 4.5, 4.0, 3.0 at the start",
  );
  expect(shown).toContain("| `api.initRatio` | 0.062 | ≤ 0.3 | met | ours ÷ naive |");
  expect(shown).toContain("| `api.listRps` | 32.0 |  |  | a \\| b |");
  expect(shown).not.toContain("No full run");
});
