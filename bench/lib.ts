// Shared bench helpers: settings, progress lines, timing, alternation and medians.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
/** Scratch space for bundles, generated media and runtime data (gitignored). */
export const workDir = join(root, "bench", ".work");

/** `BENCH_QUICK=1`: a smoke run with small inputs and few repetitions. Its figures are not the record. */
export const quick = process.env.BENCH_QUICK === "1";

/** `BENCH_ONLY=api,transcode,clip,system` runs a subset (for development). */
const only = new Set(
  (process.env.BENCH_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

/**
 * Groups a full run leaves out unless asked for (`npm run bench -- --group transcode`): the
 * retired `transcode.*` figures took about 13 of a full run's 25 minutes on 2 cores.
 */
export const optInGroups = ["transcode"];

/** `--group <name>` (repeatable, or comma-separated): opt-in groups added to the run. */
export const addedGroups = (argv = process.argv.slice(2)) =>
  argv.flatMap((arg, i) => {
    const value = arg === "--group" ? argv[i + 1] : arg.startsWith("--group=") ? arg.slice(8) : "";
    return (value ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  });
const added = new Set(addedGroups());

export const enabled = (group: string) =>
  only.has(group) || added.has(group) || (only.size === 0 && !optInGroups.includes(group));

const started = performance.now();

/** One progress line, prefixed with the time since the run started. */
export function progress(message: string) {
  const s = Math.round((performance.now() - started) / 1000);
  const stamp = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  process.stdout.write(`[${stamp}] ${message}\n`);
}

export const elapsedSeconds = () => (performance.now() - started) / 1000;

export async function scratch(...parts: string[]) {
  const dir = join(workDir, ...parts);
  await mkdir(dir, { recursive: true });
  return dir;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median of the per-round ratios a[i] / b[i]: rounds run side by side, so shared-machine drift cancels. */
export function pairedRatio(a: number[], b: number[]): number {
  return median(a.map((value, i) => value / b[i]!));
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system, ms) of every child process this one has waited for: ffmpeg and the
 * node children. Less sensitive than wall time to other work on a shared machine.
 */
export function childrenCpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command name: state is field 3, so cutime (16) and cstime (17) sit at 13 and 14.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond;
}

/** Wall time of `run`, in milliseconds. */
export async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/**
 * Runs every variant once per round, `rounds` times, rotating which goes first so none always
 * runs on a warm (or cold) machine. Returns each variant's wall times (ms) by round, and the CPU
 * time of the child processes each one ran.
 */
export async function alternate<K extends string>(
  label: string,
  rounds: number,
  variants: Record<K, () => Promise<unknown>>,
  options: { quiet?: boolean } = {},
): Promise<{ wall: Record<K, number[]>; cpu: Record<K, number[]> }> {
  const names = Object.keys(variants) as K[];
  const empty = () =>
    Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  const wall = empty();
  const cpu = empty();
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]!);
    const line: string[] = [];
    for (const name of order) {
      const cpuBefore = childrenCpuMs();
      const ms = await time(variants[name]);
      wall[name].push(ms);
      cpu[name].push(childrenCpuMs() - cpuBefore);
      line.push(`${name} ${format.ms(ms)}`);
    }
    if (!options.quiet) progress(`  ${label} round ${round + 1}/${rounds}: ${line.join(", ")}`);
  }
  if (options.quiet) {
    const medians = names.map((name) => `${name} ${format.ms(median(wall[name]))}`);
    progress(`  ${label}: ${rounds} rounds, median ${medians.join(", ")}`);
  }
  return { wall, cpu };
}

export const format = {
  ms: (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`),
  ratio: (x: number) => x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2),
  kb: (bytes: number) => `${Math.round(bytes / 1024)} KB`,
};

export const round = (value: number, digits = 3) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
