// What a cold API Lambda loads: the handler bundled as SST ships it (bench/bundle.ts), its static
// import closure held to the `api.bundleBytes` goal. A size, not a time, so it belongs in tests;
// `npm run bench` reports the same figure with the init time beside it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { bundle, top } from "../../bench/bundle";

const root = path.resolve(import.meta.dirname, "../..");
const goalBytes = 600 * 1024;
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

test("the API's init closure stays within 600 KB, zod without its locales", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "rushes-api-bundle-"));
  dirs.push(dir);
  const entry = path.join(root, "packages/functions/src/api/index.ts");
  const api = await bundle(entry, path.join(dir, "api.mjs"), { splitting: true });
  const largest = JSON.stringify(top(api.byPackage, 4));
  expect(api.bytes, `init closure ${api.bytes} B; largest ${largest}`).toBeLessThanOrEqual(
    goalBytes,
  );
  // `import { z } from "zod"` takes zod's namespace as a value, so no bundler can drop the
  // 260 KB of error-message locales it carries; `import * as z` lets them go.
  expect(api.byPackage.zod ?? 0, largest).toBeLessThan(200 * 1024);
}, 60_000);
