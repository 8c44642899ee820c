import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StartupError, startRuntime } from "../src/runtime";
import { occupyPort, tempDir } from "./helpers";

// Problems a user can fix get one clear line, before anything starts.
let data: Awaited<ReturnType<typeof tempDir>>;
let busy: Awaited<ReturnType<typeof occupyPort>>;

beforeAll(async () => {
  data = await tempDir();
  busy = await occupyPort();
});
afterAll(async () => {
  await busy.close();
  await data.remove();
});

const oneLine = async (start: Promise<unknown>) => {
  const error = await start.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StartupError);
  const message = (error as Error).message;
  expect(message).not.toContain("\n");
  return message;
};

describe("startup errors", () => {
  it("names a port that is already in use and the setting that moves it", async () => {
    const message = await oneLine(
      startRuntime({ dataDir: data.dir, port: busy.port, quiet: true }),
    );
    expect(message).toBe(`Port ${busy.port} is already in use; set PORT to another port`);
  });

  it("names a data dir that cannot be written, and why", async () => {
    const file = join(data.dir, "a-file");
    await writeFile(file, "");
    const dir = join(file, "data");
    const message = await oneLine(startRuntime({ dataDir: dir, port: 0, quiet: true }));
    expect(message).toBe(`Data dir ${dir} is not writable: ENOTDIR`);
  });

  it("makes `npm start` print only that line and exit 1", async () => {
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", "packages/local/src/main.ts"], {
      cwd: root,
      env: { ...process.env, PORT: String(busy.port), RUSHES_DATA_DIR: data.dir },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(`Port ${busy.port} is already in use; set PORT to another port\n`);
  });
});
