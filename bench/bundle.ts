// Bundles a handler the way SST does for `sst deploy` (pkg/runtime/node/build.go), at node22.
import { stat } from "node:fs/promises";
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
  path: string;
  bytes: number;
  /** Bytes in the output by package (or by workspace folder for our own code). */
  byPackage: Record<string, number>;
}

export async function bundle(
  entry: string,
  outfile: string,
  options: { external?: string[]; plugins?: Plugin[] } = {},
): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    outfile,
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
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint)!;
  const byPackage: Record<string, number> = {};
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? file.split("/").slice(0, 3).join("/");
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
  }
  return { path: outfile, bytes: (await stat(outfile)).size, byPackage };
}

/** The largest contributors, biggest first. */
export function top(byPackage: Record<string, number>, n = 8) {
  return Object.entries(byPackage)
    .sort(([, a], [, b]) => b - a)
    .slice(0, n)
    .map(([name, bytes]) => ({ name, bytes }));
}
