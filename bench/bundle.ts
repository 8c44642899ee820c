// Bundles a handler the way SST does for `sst deploy` (pkg/runtime/node/build.go), at node22.
import { stat } from "node:fs/promises";
import { basename, relative, resolve } from "node:path";
import { build, type Plugin } from "esbuild";

/** SST's ESM banner: CommonJS dependencies still find `require`, `__filename` and `__dirname`. */
const banner = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  "const require = topLevelCreateRequire(import.meta.url);",
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  "const __filename = topLevelFileUrlToPath(import.meta.url)",
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
].join("\n");

export interface Bundle {
  /** The entry file, the one the handler setting names. */
  path: string;
  /** What a cold start loads: the entry and the chunks it imports statically. */
  bytes: number;
  /** Every file shipped; with splitting, the chunks loaded later by dynamic import too. */
  shippedBytes: number;
  /** Bytes loaded at init by package (or by workspace folder for our own code). */
  byPackage: Record<string, number>;
}

/**
 * `splitting` is SST's `nodejs.splitting` (infra/api.ts sets it for the API): each dynamic
 * `import()` becomes its own chunk, loaded on first use instead of at init.
 */
export async function bundle(
  entry: string,
  outfile: string,
  options: { external?: string[]; plugins?: Plugin[]; splitting?: boolean } = {},
): Promise<Bundle> {
  const split = options.splitting ?? false;
  const outdir = outfile.replace(/\.mjs$/, "");
  const result = await build({
    entryPoints: split ? { [basename(outdir)]: entry } : [entry],
    ...(split ? { splitting: true, outdir, outExtension: { ".js": ".mjs" } } : { outfile }),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    minify: true,
    keepNames: true,
    mainFields: ["module", "main"],
    // SST always leaves these two to npm; the API never imports them.
    external: ["sharp", "pg-native", ...(options.external ?? [])],
    plugins: options.plugins ?? [],
    banner: { js: banner },
    metafile: true,
    write: true,
    logLevel: "error",
  });
  const outputs = result.metafile.outputs;
  // Dynamic-import chunks name their module as entryPoint too; the handler's is the given entry.
  const entryFile = Object.keys(outputs).find(
    (file) => outputs[file]!.entryPoint === relative(process.cwd(), entry),
  )!;
  // The entry's static import closure: what Node reads and evaluates before the handler exists.
  const atInit = new Set<string>();
  const stack = [entryFile];
  for (let file = stack.pop(); file !== undefined; file = stack.pop()) {
    if (atInit.has(file)) continue;
    atInit.add(file);
    for (const i of outputs[file]!.imports) {
      if (i.kind === "import-statement" && outputs[i.path]) stack.push(i.path);
    }
  }
  const byPackage: Record<string, number> = {};
  let bytes = 0;
  for (const file of atInit) {
    bytes += (await stat(file)).size;
    for (const [input, { bytesInOutput }] of Object.entries(outputs[file]!.inputs)) {
      const name =
        /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ??
        input.split("/").slice(0, 3).join("/");
      byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
    }
  }
  let shippedBytes = 0;
  for (const file of Object.keys(outputs)) shippedBytes += (await stat(file)).size;
  return { path: resolve(entryFile), bytes, shippedBytes, byPackage };
}

/** The largest contributors, biggest first. */
export function top(byPackage: Record<string, number>, n = 8) {
  return Object.entries(byPackage)
    .sort(([, a], [, b]) => b - a)
    .slice(0, n)
    .map(([name, bytes]) => ({ name, bytes }));
}
