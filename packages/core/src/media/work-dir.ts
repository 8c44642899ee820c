import { mkdir, mkdtemp, rm, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Config } from "../config";

/** Free bytes in the filesystem that holds `dir`. */
export async function freeBytes(dir: string) {
  const { bavail, bsize } = await statfs(dir);
  return bavail * bsize;
}

/**
 * A private scratch dir that is always removed, even when `fn` throws: Lambda's /tmp outlives
 * the invocation, and a few leftover renditions would fill it.
 */
export async function withWorkDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const base = Config.get().RUSHES_TMP_DIR ?? tmpdir();
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, "rushes-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
