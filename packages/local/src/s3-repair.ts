// Objects a crash cut off mid-write, dropped before s3rver serves the data dir again.
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { partialSuffix } from "./s3-atomic";

const suffix = "._S3rver_";

/**
 * s3rver writes an object's bytes, then its `.md5`, then its `metadata.json`, none of them
 * atomically. A `kill -9` in between leaves an object without metadata, or with metadata cut
 * short, which s3rver then answers with a 500 on every listing that reaches it. S3 never shows
 * a PUT that did not complete, so such an object is removed, as if it had never been written.
 * Returns the keys' files removed (relative to `dir`).
 */
export async function dropTornObjects(dir: string): Promise<string[]> {
  const files = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  // A write cut off before its rename (s3-atomic.ts) never became the object: only its file goes.
  for (const file of files.filter((f) => f.endsWith(partialSuffix))) {
    await rm(join(dir, file), { force: true });
  }
  const objects = files.filter((f) => f.endsWith(`${suffix}object`));
  const dropped: string[] = [];
  for (const object of objects) {
    const base = object.slice(0, -"object".length);
    const metadata = await readFile(join(dir, `${base}metadata.json`), "utf8").catch(() => "");
    try {
      JSON.parse(metadata);
    } catch {
      for (const name of ["object", "object.md5", "metadata.json"]) {
        await rm(join(dir, `${base}${name}`), { force: true });
      }
      dropped.push(object);
    }
  }
  return dropped;
}
