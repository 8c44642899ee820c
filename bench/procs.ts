// Peak memory of a process tree, read from /proc while it runs (no /usr/bin/time needed).
import { readdirSync, readFileSync } from "node:fs";

export interface TreePeak {
  /** Peak RSS (VmHWM, KiB) of each process seen, by pid. */
  byPid: Map<number, { name: string; hwmKiB: number }>;
  /** The largest sum of current RSS across the tree at any one sample (KiB). */
  maxTotalKiB: number;
}

function status(pid: number): { name: string; rssKiB: number; hwmKiB: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) =>
      Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0);
    return {
      name: /^Name:\s+(.+)$/m.exec(text)?.[1] ?? "?",
      rssKiB: field("VmRSS"),
      hwmKiB: field("VmHWM"),
    };
  } catch {
    return undefined;
  }
}

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (list) out.push(...list.split(" ").map(Number));
    }
  } catch {}
  return out;
}

/** The names of `root` and every process below it now (`ffmpeg`, `node`, …). */
export function treeNames(root: number): string[] {
  const names: string[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    const s = status(pid);
    if (!s) continue;
    names.push(s.name);
    queue.push(...children(pid));
  }
  return names;
}

/** Samples `root` and its descendants every `intervalMs` until `stop()`. */
export function watchTree(root: number, intervalMs = 50) {
  const peak: TreePeak = { byPid: new Map(), maxTotalKiB: 0 };
  const sample = () => {
    let total = 0;
    const queue = [root];
    while (queue.length) {
      const pid = queue.shift()!;
      const s = status(pid);
      if (!s) continue;
      total += s.rssKiB;
      const seen = peak.byPid.get(pid);
      if (!seen || s.hwmKiB > seen.hwmKiB) peak.byPid.set(pid, { name: s.name, hwmKiB: s.hwmKiB });
      queue.push(...children(pid));
    }
    peak.maxTotalKiB = Math.max(peak.maxTotalKiB, total);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    sample,
    stop(): TreePeak {
      clearInterval(timer);
      return peak;
    },
  };
}
