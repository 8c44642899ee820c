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
export const readmePath = (root: string) => join(root, "README.md");

/** The README's short table: the figures a newcomer asks about first. */
export const headline = [
  "playable.singleRunRatio",
  "playable.projectedHourSeconds",
  "chunked.projectedHourSeconds",
  "chunked.cpuOverhead",
  "hls.vsMp4Plan",
  "clip.fastVsExact",
  "api.bundleBytes",
  "api.initRatio",
];

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

/** The README's section between the markers: the headline figures and the run they are from. */
export function readmeSection(results: Results | undefined): string {
  if (!results?.table || !results.meta) return `${begin}\n${none}\n${end}`;
  const rows = headline.flatMap((name) => {
    const r = results.table!.find((row) => row.figure === name);
    return r ? [`| \`${r.figure}\` | ${cell(r.value)} | ${cell(r.goal)} | ${r.verdict} |`] : [];
  });
  return [
    begin,
    runNote(results.meta),
    "",
    "| figure | value | goal | |",
    "|---|---|---|---|",
    ...rows,
    end,
  ].join("\n");
}

function runNote(meta: NonNullable<Results["meta"]>): string {
  const minutes = `${Math.floor(meta.wallSeconds / 60)} min ${meta.wallSeconds % 60} s`;
  const load = (l?: number[]) => l?.map((n) => n.toFixed(1)).join(", ");
  return [
    `The last full \`npm run bench\`, started ${meta.startedAt}, took ${minutes} `,
    `on ${meta.cpus} × ${meta.cpuModel ?? "unknown CPU"}, node ${meta.node}`,
    meta.ffmpeg ? `, ${meta.ffmpeg}` : "",
    `; load average ${meta.loadAverageAtStart ? `${load(meta.loadAverageAtStart)} at the start and ` : ""}`,
    `${load(meta.loadAverageAtEnd)} at the end.`,
    meta.source ? ` Transcode source: ${meta.source}.` : "",
  ].join("");
}

function figures(table: Row[], meta: NonNullable<Results["meta"]>): string {
  const note = runNote(meta);
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

/** The section as a document holds it now, markers included. */
export function current(doc: string): string {
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error("a document has lost its bench markers");
  return doc.slice(from, to + end.length);
}

/** Rewrites docs/performance.md's section and the README's from bench/results.json. */
export function writeDoc(root: string) {
  const results = readResults(root);
  for (const [path, text] of [
    [docPath(root), section(results)],
    [readmePath(root), readmeSection(results)],
  ] as const) {
    const doc = readFileSync(path, "utf8");
    writeFileSync(path, doc.replace(current(doc), text));
  }
}
