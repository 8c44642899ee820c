import { randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * The local API key. Locally it is also the admin key. An explicit key wins. Otherwise the key
 * kept in `<dataDir>/dev-key` is reused, so restarts keep working clients, or a new one is made.
 */
export async function resolveDevKey(dataDir: string, explicit?: string): Promise<string> {
  if (explicit?.trim()) return explicit.trim();
  const file = join(dataDir, "dev-key");
  const existing = await readFile(file, "utf8").catch(() => "");
  if (existing.trim()) return existing.trim();
  const key = `rk_${randomBytes(32).toString("base64url")}`;
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return key;
}
