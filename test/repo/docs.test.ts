// The docs stay true: every relative link between README.md and docs/*.md resolves, anchors
// included, and the status machines in docs/architecture.md draw exactly the statuses the code has.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { ClipTable } from "../../packages/core/src/clip/moves";
import { Statuses as ClipStatuses } from "../../packages/core/src/clip/schema";
import { Move } from "../../packages/core/src/move";
import { VideoTable } from "../../packages/core/src/video/moves";
import { Statuses as VideoStatuses } from "../../packages/core/src/video/schema";

const root = path.resolve(import.meta.dirname, "../..");
const docs = [
  "README.md",
  ...readdirSync(path.join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

/** Markdown outside fenced code blocks, where a `[x](y)` is a link. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, "");

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

function links(file: string) {
  return [...prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)]
    .map(([, target]) => target!)
    .filter((target) => !/^[a-z][a-z+.-]*:/i.test(target));
}

describe("links between the docs resolve", () => {
  test.each(docs)("%s", (file) => {
    const broken: string[] = [];
    for (const link of links(file)) {
      const [target, anchor] = link.split("#") as [string, string | undefined];
      const resolved = target ? path.join(path.dirname(file), target) : file;
      if (!existsSync(path.join(root, resolved))) broken.push(`${link}: no ${resolved}`);
      else if (anchor !== undefined && resolved.endsWith(".md")) {
        if (!anchors(read(resolved)).has(anchor)) broken.push(`${link}: no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test("the README links every doc in docs/", () => {
    const linked = new Set(links("README.md").map((l) => l.split("#")[0]));
    for (const doc of docs.filter((d) => d !== "README.md")) expect(linked).toContain(doc);
  });

  test("anchors follow GitHub's rules", () => {
    const got = anchors(
      "# A\n## Live Lambda debugging: `npx sst dev`\n## Lifecycle, events and recovery\n## A",
    );
    expect([...got]).toEqual([
      "a",
      "live-lambda-debugging-npx-sst-dev",
      "lifecycle-events-and-recovery",
      "a-1",
    ]);
  });
});

/** The arrows of the `stateDiagram-v2` block under `### <heading>` in docs/architecture.md. */
function arrows(heading: string): Array<[string, string]> {
  const doc = read("docs/architecture.md");
  const from = doc.indexOf(`\n### ${heading}\n`);
  expect(from, `docs/architecture.md has a "### ${heading}" section`).toBeGreaterThan(0);
  const block = /```mermaid\nstateDiagram-v2\n([\s\S]*?)```/.exec(doc.slice(from))?.[1] ?? "";
  return [...block.matchAll(/^\s*(\S+)\s*-->\s*([^\s:]+)/gm)].map(([, a, b]) => [a!, b!]);
}

/** The states of the diagram under `### <heading>`. */
function states(heading: string): Set<string> {
  return new Set(
    arrows(heading)
      .flat()
      .filter((s) => s !== "[*]"),
  );
}

describe("the status machines draw every status the code has, and no other", () => {
  test.each([
    ["Video", VideoStatuses],
    ["Clip", ClipStatuses],
  ] as const)("%s", (heading, statuses) => {
    expect([...states(heading)].sort()).toEqual([...statuses].sort());
  });
});

describe("the status machines draw the move tables' arrows, and no other", () => {
  // Where a record starts: a video's create makes it `awaiting_upload`, or `fetching` for a URL.
  test.each([
    ["Video", VideoTable, VideoStatuses, ["awaiting_upload", "fetching"]],
    ["Clip", ClipTable, ClipStatuses, [ClipStatuses[0]]],
  ] as const)("%s", (heading, table, statuses, entries) => {
    const drawn = arrows(heading);
    const moves = Move.arrows(table);
    const key = ([a, b]: readonly [string, string]) => `${a} --> ${b}`;
    expect(
      drawn
        .filter(([a, b]) => a !== "[*]" && b !== "[*]")
        .map(key)
        .sort(),
    ).toEqual(moves.map(key).sort());
    // Into the machine only where a create starts it; out of it only where no move leaves.
    expect(drawn.filter(([a]) => a === "[*]").map(([, b]) => b)).toEqual([...entries]);
    const left = new Set(moves.map(([a]) => a));
    const ends = drawn.filter(([, b]) => b === "[*]").map(([a]) => a);
    expect(ends.sort()).toEqual(statuses.filter((s) => !left.has(s)).sort());
  });
});
