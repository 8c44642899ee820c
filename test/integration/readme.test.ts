import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Harness, startHarness } from "./harness";

// The README's curl walk-through, read from README.md itself (never a copy), run with bash
// against the runtime: it must end at `ready` and leave the repository as it found it.
const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.stop();
});

/** The first ```sh block under "## Walk-through with curl". */
async function walkThrough() {
  const readme = await readFile(join(root, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Walk-through with curl"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error("no sh block in the README's walk-through");
  return block;
}

const gitStatus = async () =>
  (await run("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: root })).stdout;

test("the README's walk-through runs verbatim, ends at ready and leaves the tree clean", async () => {
  const block = await walkThrough();
  // The two placeholders the reader fills in come from the environment instead.
  expect(block).toMatch(/^KEY=rk_…/m);
  expect(block).toMatch(/^API=http:\/\/localhost:3000$/m);
  const script = block.replace(/^(KEY|API)=.*$/gm, "");
  const before = await gitStatus();
  const { stdout } = await run("bash", ["-e", "-c", script], {
    cwd: root,
    env: { ...process.env, KEY: h.runtime.devKey, API: h.runtime.url },
    timeout: 120_000,
  });
  expect(stdout).toMatch(/^upload: HTTP 204$/m);
  expect(stdout).toMatch(/^status: ready$/m);
  const lines = stdout.trim().split("\n");
  const video = JSON.parse(lines.find((l) => l.startsWith('{"id":"vid_'))!);
  expect(video).toMatchObject({ status: "ready", title: "Test" });
  expect(video.renditions.length).toBeGreaterThan(0);
  expect(await gitStatus()).toBe(before);
}, 180_000);
