// The generated part of docs/performance.md: the last full run's figures, read from
// bench/results.json. `npm run bench` rewrites it; test/repo/performance.test.ts holds the doc to it.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const begin =
  "<!-- bench:begin: written by `npm run bench` from bench/results.json; do not edit by hand -->";
export const end = "<!-- bench:end -->";

/** One figure as the run judged it. */
export interface Row {
  figure: string;
  value: string;
  goal: string;
  verdict: "met" | "missed" | "";
  measuredAs: string;
}

/** The parts of bench/results.json this section reads. */
export interface Results {
  table?: Row[];
  meta?: {
    startedAt: string;
    wallSeconds: number;
    node: string;
    cpus: number;
    cpuModel?: string;
    loadAverageAtStart?: number[];
    loadAverageAtEnd: number[];
    ffmpeg?: string;
    source?: string;
  };
}

export const resultsPath = (root: string) => join(root, "bench", "results.json");
export const docPath = (root: string) => join(root, "docs", "performance.md");

export function readResults(root: string): Results | undefined {
  const path = resultsPath(root);
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as Results) : undefined;
}

const cell = (text: string) => text.replaceAll("|", "\\|");

/** The section between the markers, markers included. */
export function section(results: Results | undefined): string {
  const body = results?.table && results.meta ? figures(results.table, results.meta) : none;
  return `${begin}\n${body}\n${end}`;
}

const none = [
  "No full run is recorded yet: `bench/results.json` does not exist. Run `npm run bench` (about",
  "17 minutes on 2 cores, best on a quiet machine) and commit `bench/results.json` with this file.",
].join("\n");

function figures(table: Row[], meta: NonNullable<Results["meta"]>): string {
  const minutes = `${Math.floor(meta.wallSeconds / 60)} min ${meta.wallSeconds % 60} s`;
  const load = (l?: number[]) => l?.map((n) => n.toFixed(1)).join(", ");
  const note = [
    `The last full \`npm run bench\`, started ${meta.startedAt}, took ${minutes} `,
    `on ${meta.cpus} × ${meta.cpuModel ?? "unknown CPU"}, node ${meta.node}`,
    meta.ffmpeg ? `, ${meta.ffmpeg}` : "",
    `; load average ${meta.loadAverageAtStart ? `${load(meta.loadAverageAtStart)} at the start and ` : ""}`,
    `${load(meta.loadAverageAtEnd)} at the end.`,
    meta.source ? ` Transcode source: ${meta.source}.` : "",
  ].join("");
  const rows = table.map(
    (r) =>
      `| \`${r.figure}\` | ${cell(r.value)} | ${cell(r.goal)} | ${r.verdict} | ${cell(r.measuredAs)} |`,
  );
  return [
    note,
    "",
    "| figure | value | goal | | measured as |",
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** The section as the doc holds it now, markers included. */
export function current(doc: string): string {
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error("docs/performance.md has lost its bench markers");
  return doc.slice(from, to + end.length);
}

/** Rewrites docs/performance.md's section from bench/results.json. */
export function writeDoc(root: string) {
  const doc = readFileSync(docPath(root), "utf8");
  writeFileSync(docPath(root), doc.replace(current(doc), section(readResults(root))));
}
