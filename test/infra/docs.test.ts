// The deploy guide matches the stack: the secrets it declares, the settings it reads.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { infraSettings } from "../../infra/settings";
import { type DeployedStack, deployStack, root } from "./stack";

const guide = readFileSync(path.join(root, "docs/deploy.md"), "utf8");

/** docs/deploy.md from the heading `title` to the next heading of the same or a higher level. */
function section(title: string) {
  const start = guide.indexOf(`\n${title}\n`);
  if (start < 0) throw new Error(`docs/deploy.md has no "${title}" section`);
  const level = /^#+/.exec(title)![0];
  const rest = guide.slice(start + title.length + 2);
  const end = rest.search(new RegExp(`^#{1,${level.length}} `, "m"));
  return end < 0 ? rest : rest.slice(0, end);
}

/** The secrets that `npx sst secret set <Name>` lines in a piece of the guide set. */
const secretsSet = (text: string) =>
  [...text.matchAll(/npx sst secret set (\w+)/g)].map((m) => m[1]!).sort();

let stack: DeployedStack;

beforeAll(async () => {
  // MediaConvert mode declares every resource rushes has.
  stack = await deployStack({ env: { RUSHES_TRANSCODER: "mediaconvert" } });
});

describe("the deploy guide (docs/deploy.md)", () => {
  const declared = () =>
    stack.resources
      .filter((r) => r.type === "sst:sst:Secret")
      .map((r) => r.name)
      .sort();

  test("sets every secret the stack declares before a deploy", () => {
    expect(declared().length).toBeGreaterThan(0);
    expect([...new Set(secretsSet(section("## Deploy")))]).toEqual(declared());
  });

  test("sets every secret the stack declares before `sst dev`", () => {
    expect([...new Set(secretsSet(section("## Live Lambda debugging: `npx sst dev`")))]).toEqual(
      declared(),
    );
  });

  test("names every Lambda memory setting in the low-quota workaround", () => {
    const workaround = section("## Settings for a stage, and a lower Lambda memory quota");
    const memory = Object.keys(infraSettings).filter((name) => name.endsWith("_MEMORY_MB"));
    expect(memory.length).toBeGreaterThan(0);
    for (const name of memory) {
      // In the command a deployer copies, not only in the prose.
      expect(workaround, name).toMatch(
        new RegExp(`${name}=\\d+[^\\n]*(\\\\\\n[^\\n]*)*npx sst deploy`),
      );
    }
  });

  test("says how to upgrade a deployed stage, and that a fresh one needs nothing", () => {
    const upgrade = section("## Upgrading a stage");
    expect(upgrade).toContain("npx sst shell --stage prod -- npx tsx scripts/upgrade.ts");
    expect(upgrade).toMatch(/fresh stage needs no such\s+step/);
  });
});
