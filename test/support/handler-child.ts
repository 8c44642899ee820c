// A Lambda invocation in a child process: one handler run on one event, in its own process group,
// so a test can kill it (and the ffmpeg under it) the way Lambda kills at a timeout.
import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";

const children: ChildProcess[] = [];

/** Runs `script` (a .ts file that reads RUSHES_TEST_EVENT) under tsx. */
export function handlerChild(script: string, event: unknown, stdio: StdioOptions = "ignore") {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, RUSHES_TEST_EVENT: JSON.stringify(event) },
    detached: true,
    stdio,
  });
  children.push(child);
  return child;
}

/** Kills every child still running, with its whole process group: for afterAll. */
export function killHandlerChildren() {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
  }
}
