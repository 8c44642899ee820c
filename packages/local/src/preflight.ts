import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

/** A startup problem the user can fix. Its message is one line; main.ts prints only that. */
export class StartupError extends Error {
  override name = "StartupError";
}

/** Creates the data dir if needed and proves it is writable by writing and removing a file. */
export async function checkDataDir(dir: string): Promise<void> {
  const probe = join(dir, `.write-check-${randomBytes(4).toString("hex")}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, "");
    await rm(probe, { force: true });
  } catch (error) {
    throw new StartupError(`Data dir ${dir} is not writable: ${errorCode(error)}`);
  }
}

/**
 * Fails fast, before anything starts, when a fixed port is taken. `hint` says which setting
 * moves it. A probe on the wildcard address also catches servers bound to other interfaces.
 */
export async function checkPort(port: number, host: string, hint: string): Promise<void> {
  if (port === 0) return;
  for (const address of new Set([host, "0.0.0.0"])) {
    const error = await tryListen(port, address);
    if (error) throw portError(port, error, hint);
  }
}

export function portError(port: number, error: unknown, hint: string): StartupError {
  const code = errorCode(error);
  if (code === "EADDRINUSE") return new StartupError(`Port ${port} is already in use; ${hint}`);
  if (code === "EACCES") return new StartupError(`Port ${port} needs privileges to bind; ${hint}`);
  return new StartupError(`Port ${port} cannot be used (${code}); ${hint}`);
}

function tryListen(port: number, host: string): Promise<unknown> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", resolve);
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

export function errorCode(error: unknown): string {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return error instanceof Error ? error.message.split("\n")[0]! : String(error);
}

const locked = new Set<string>();

/**
 * One runtime per data dir: LevelDB would refuse a second one with an obscure error. A pid file
 * left by a process that is gone is taken over. Returns the release function.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = join(dir, "runtime.pid");
  const inUse = (pid: number) =>
    new StartupError(
      `Data dir ${dir} is in use by another rushes runtime (pid ${pid}); stop it, set RUSHES_DATA_DIR, or delete ${file} if it is stale`,
    );
  if (locked.has(dir)) throw inUse(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: "wx" });
      locked.add(dir);
      return async () => {
        locked.delete(dir);
        await rm(file, { force: true });
      };
    } catch (error) {
      if (errorCode(error) !== "EEXIST") {
        throw new StartupError(`Data dir ${dir} is not writable: ${errorCode(error)}`);
      }
    }
    const pid = Number((await readFile(file, "utf8").catch(() => "")).trim());
    if (pid && pid !== process.pid && isAlive(pid)) throw inUse(pid);
    await rm(file, { force: true });
  }
  throw new StartupError(`Data dir ${dir} could not be locked; delete ${file} and retry`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/** Fails early, with what to do, on a data dir or a port that cannot be used. */
export async function preflight(
  dataDir: string,
  port: number,
  host: string,
  ports: Record<string, number | undefined>,
) {
  await checkDataDir(dataDir);
  await checkPort(port, host, "set PORT to another port");
  for (const [name, p] of Object.entries(ports)) {
    await checkPort(p ?? 0, host, `it was requested for the embedded ${name}`);
  }
}
