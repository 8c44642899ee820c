// Infra contract: the ffmpeg functions ship the npm ffmpeg/ffprobe for their architecture, runnable.

import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { type Deployment, deploy, root } from "./fake";

const cpu = { x86_64: "x64", arm64: "arm64" } as const;
const packageJson = (name: string) =>
  JSON.parse(readFileSync(path.join(root, name, "package.json"), "utf8"));

let d: Deployment;
let dir: string | undefined;

beforeAll(async () => {
  d = await deploy();
});

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe.each(["Ingest", "ClipWorker"])("%s", (name) => {
  const args = () => d.one("sst:aws:Function", name).args;
  const platform = () => `linux-${cpu[args().architecture as keyof typeof cpu]}`;

  test("installs the installer packages at the versions core depends on", () => {
    const core = packageJson("packages/core").dependencies;
    expect(args().nodejs.install).toEqual({
      "@ffmpeg-installer/ffmpeg": core["@ffmpeg-installer/ffmpeg"],
      "@ffprobe-installer/ffprobe": core["@ffprobe-installer/ffprobe"],
    });
  });

  test("the installer packages publish a binary for its architecture", () => {
    for (const tool of ["ffmpeg", "ffprobe"]) {
      const installer = packageJson(`node_modules/@${tool}-installer/${tool}`);
      expect(Object.keys(installer.optionalDependencies)).toContain(
        `@${tool}-installer/${platform()}`,
      );
    }
  });

  test("points FFMPEG_PATH/FFPROBE_PATH at those binaries in the package", () => {
    expect(args().environment.FFMPEG_PATH).toBe(
      `/var/task/node_modules/@ffmpeg-installer/${platform()}/ffmpeg`,
    );
    expect(args().environment.FFPROBE_PATH).toBe(
      `/var/task/node_modules/@ffprobe-installer/${platform()}/ffprobe`,
    );
  });

  test("postbuild makes both binaries executable by Lambda's sandbox user", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "rushes-bundle-"));
    const files = [
      `@ffmpeg-installer/${platform()}/ffmpeg`,
      `@ffprobe-installer/${platform()}/ffprobe`,
    ];
    for (const file of files) {
      const full = path.join(dir, "node_modules", file);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, "", { mode: 0o644 }); // as ffprobe ships
    }
    await args().hook.postbuild(dir);
    for (const file of files) {
      expect((await stat(path.join(dir, "node_modules", file))).mode & 0o777).toBe(0o755);
    }
  });

  test("postbuild fails the deploy when npm installed no binary for its architecture", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "rushes-bundle-"));
    await expect(args().hook.postbuild(dir)).rejects.toThrow(/ENOENT/);
  });
});
