// Infra contract: the ffmpeg functions ship one pinned, maintained ffmpeg release, runnable in Lambda.

import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { type DeployedStack, deployStack, envOf, fnArgs, root } from "./stack";

const files = ["ffmpeg-static/ffmpeg", "@derhuerst/ffprobe-static/ffprobe"];
const elfMachine = { x86_64: 0x3e, arm64: 0xb7 } as const;

let d: DeployedStack;
let dir: string | undefined;

beforeAll(async () => {
  d = await deployStack();
});

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** The first bytes of a static Linux executable for `machine` (an ELF header is all we check). */
function elf(machine: number) {
  const header = Buffer.alloc(64);
  header.writeUInt32BE(0x7f454c46, 0);
  header.writeUInt16LE(machine, 18);
  return header;
}

async function bundle(contents: Buffer) {
  dir = await mkdtemp(path.join(tmpdir(), "rushes-bundle-"));
  for (const file of files) {
    const full = path.join(dir, "node_modules", file);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, contents, { mode: 0o644 });
  }
  return dir;
}

describe.each(["Ingest", "ClipWorker", "ChunkWorker"])("%s", (name) => {
  const args = () => fnArgs(d, name);
  const machine = () => elfMachine[args().architecture as keyof typeof elfMachine];

  test("installs ffmpeg and ffprobe from one release, pinned to an exact version", () => {
    expect(args().nodejs.install).toEqual({
      "ffmpeg-static": "5.3.0",
      "@derhuerst/ffprobe-static": "5.3.0",
    });
  });

  test("never ships the unmaintained @ffmpeg-installer builds, nor adds ffmpeg-static locally", () => {
    const install = JSON.stringify(args().nodejs.install);
    expect(install).not.toMatch(/installer/);
    for (const pkg of ["package.json", "packages/core/package.json"]) {
      const json = readFileSync(path.join(root, pkg), "utf8");
      expect(json, pkg).not.toContain("ffmpeg-static");
    }
  });

  test("SST asks for both packages in the function's bundle, for the function's architecture", () => {
    expect(d.builds[name]!.install).toEqual(args().nodejs.install);
    expect(d.builds[name]!.architecture).toBe(args().architecture);
  });

  test("SST ran postbuild on the bundle it built: both binaries are executable", async () => {
    // The build stand-in (test/infra/build.ts) puts an ELF header where npm would put each binary.
    for (const file of files) {
      const full = path.join(d.builds[name]!.out, "node_modules", file);
      expect((await stat(full)).mode & 0o777, file).toBe(0o755);
    }
  });

  test("points FFMPEG_PATH/FFPROBE_PATH at those binaries in the package", () => {
    expect(envOf(d, name).FFMPEG_PATH).toBe("/var/task/node_modules/ffmpeg-static/ffmpeg");
    expect(envOf(d, name).FFPROBE_PATH).toBe(
      "/var/task/node_modules/@derhuerst/ffprobe-static/ffprobe",
    );
  });

  test("postbuild makes both binaries executable by Lambda's sandbox user", async () => {
    const at = await bundle(elf(machine()));
    await args().hook.postbuild(at);
    for (const file of files) {
      expect((await stat(path.join(at, "node_modules", file))).mode & 0o777).toBe(0o755);
    }
  });

  test("postbuild fails the deploy for a binary of another OS or CPU", async () => {
    const other = machine() === elfMachine.x86_64 ? elfMachine.arm64 : elfMachine.x86_64;
    await expect(args().hook.postbuild(await bundle(elf(other)))).rejects.toThrow(
      /not a Linux .* executable: deploy with npm_config_platform=linux/,
    );
    await rm(dir!, { recursive: true, force: true });
    // A Mach-O binary, as the install scripts fetch on macOS unless told the platform.
    const macho = Buffer.from([0xcf, 0xfa, 0xed, 0xfe, 0x07, 0x00, 0x00, 0x01]);
    await expect(args().hook.postbuild(await bundle(macho))).rejects.toThrow(/not a Linux/);
  });

  test("postbuild fails the deploy when npm installed no binary", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "rushes-bundle-"));
    await expect(args().hook.postbuild(dir)).rejects.toThrow(/ENOENT/);
  });
});
