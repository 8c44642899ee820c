// A stand-in for the few RPCs SST's components make to the sst CLI (its Go side) while deploying:
// Runtime.Build bundles a function with esbuild, as the CLI does; Provider.Aws.Bootstrap names
// the asset bucket the CLI would have made in the account.

import { createHash, randomUUID } from "node:crypto";
import { cpSync, existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { type BuildOptions, build } from "esbuild";
import { ACCOUNT, REGION } from "./mocks";
import { root } from "./platform";

export interface BuildRecord {
  handler: string;
  architecture: string;
  /** Link name → the properties SST put in the function's resource file. */
  links: Record<string, Record<string, unknown>>;
  install: Record<string, string>;
  splitting: boolean;
  out: string;
}

const elfMachine: Record<string, number> = { x86_64: 0x3e, arm64: 0xb7 };

/**
 * `nodejs.install` runs npm in the bundle, and ffmpeg-static and @derhuerst/ffprobe-static then
 * download their binaries from GitHub: not possible here. In their place: the first bytes of a
 * Linux executable for the function's architecture, which is what infra's postbuild hook reads.
 * Any other installed package gets its package.json only.
 */
const installedFiles: Record<string, string> = {
  "ffmpeg-static": "ffmpeg",
  "@derhuerst/ffprobe-static": "ffprobe",
};

async function installPackages(
  out: string,
  packages: Record<string, string>,
  architecture: string,
) {
  for (const [pkg, version] of Object.entries(packages)) {
    const dir = path.join(out, "node_modules", pkg);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: pkg, version }));
    const binary = installedFiles[pkg];
    if (!binary) continue;
    const header = Buffer.alloc(64);
    header.writeUInt32BE(0x7f454c46, 0);
    header.writeUInt16LE(elfMachine[architecture] ?? 0, 18);
    await writeFile(path.join(dir, binary), header, { mode: 0o644 });
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the CLI's RPC input, as function.ts sends it
async function runtimeBuild(work: string, input: any, builds: Record<string, BuildRecord>) {
  const handler: string = input.handler;
  const properties = input.properties ?? {};
  const dot = handler.lastIndexOf(".");
  const file = handler.slice(0, dot);
  const exported = handler.slice(dot + 1);
  const entry = [".ts", ".js", ".mjs", ".tsx"]
    .map((ext) => path.join(root, file + ext))
    .find((candidate) => candidate);
  const out = path.join(work, "artifacts", `${input.functionID}-src`);
  const install = (properties.install ?? {}) as Record<string, string>;
  const splitting = Boolean(properties.splitting);
  const started = Date.now();
  const options: BuildOptions = {
    entryPoints: { [path.posix.join(path.dirname(file), path.basename(file))]: entry! },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    splitting,
    outExtension: { ".js": ".mjs" },
    external: Object.keys(install),
    mainFields: ["module", "main"],
    banner: {
      js: 'import { createRequire as topLevelCreateRequire } from "module"; const require = topLevelCreateRequire(import.meta.url);',
    },
    logLevel: "silent",
    absWorkingDir: root,
  };
  const result = await bundleCached(options, out);
  const errors = result.errors.map((e) => e.text);
  if (process.env.RUSHES_INFRA_DEBUG)
    console.log("build", input.functionID, Date.now() - started, "ms");
  if (errors.length === 0) await installPackages(out, install, properties.architecture);
  builds[input.functionID] = {
    handler,
    architecture: properties.architecture,
    links: input.links ?? {},
    install,
    splitting,
    out,
  };
  return { handler: `${file}.${exported}`, out, errors, sourcemaps: [] };
}

const bundleCache = path.join(root, ".sst/test-platform/bundles");
const digest = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

/**
 * esbuild, with its output kept between test files and runs: a bundle is reused while every file
 * that went into it is unchanged (each test file deploys in its own process, and a cold build of
 * all the functions takes most of a deploy).
 */
async function bundleCached(options: BuildOptions, out: string) {
  const cached = path.join(bundleCache, digest(JSON.stringify(options)));
  const inputsFile = path.join(cached, "inputs.json");
  if (existsSync(inputsFile)) {
    const inputs = JSON.parse(readFileSync(inputsFile, "utf8")) as Record<string, string>;
    const fresh = Object.entries(inputs).every(([file, hash]) => {
      const full = path.join(root, file);
      return existsSync(full) && digest(readFileSync(full)) === hash;
    });
    if (fresh) {
      cpSync(path.join(cached, "out"), out, { recursive: true });
      return { errors: [] as { text: string }[] };
    }
  }
  const scratch = `${cached}.${randomUUID()}`;
  try {
    const result = await build({ ...options, outdir: path.join(scratch, "out"), metafile: true });
    const inputs = Object.fromEntries(
      Object.keys(result.metafile.inputs)
        .filter((file) => !file.includes(":"))
        .map((file) => [file, digest(readFileSync(path.join(root, file)))]),
    );
    await writeFile(path.join(scratch, "inputs.json"), JSON.stringify(inputs));
    if (existsSync(cached)) {
      // Stale: move it aside in one step, so no other process copies half of it.
      const stale = `${cached}.stale.${randomUUID()}`;
      try {
        renameSync(cached, stale);
        rmSync(stale, { recursive: true, force: true });
      } catch {}
    }
    try {
      renameSync(scratch, cached);
    } catch {
      // Another test file cached the same bundle first.
    }
    cpSync(path.join(existsSync(cached) ? cached : scratch, "out"), out, { recursive: true });
    return { errors: [] as { text: string }[] };
  } catch (error) {
    return {
      errors: (error as { errors?: { text: string }[] }).errors ?? [{ text: String(error) }],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function startRpc(work: string) {
  const builds: Record<string, BuildRecord> = {};
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", async () => {
      const { method, params } = JSON.parse(body) as { method: string; params: unknown[] };
      // One request per connection: Node's agent keeps sockets alive, and would otherwise reuse
      // one this server has since closed (ECONNRESET) in the next deploy.
      res.setHeader("connection", "close");
      const reply = (result: unknown, error?: string) =>
        res.end(JSON.stringify({ result, error: error ?? null }));
      try {
        switch (method) {
          case "Runtime.Build":
            return reply(await runtimeBuild(work, params[0], builds));
          case "Runtime.AddTarget": {
            // `sst dev` registers the function to run locally instead of building it.
            // biome-ignore lint/suspicious/noExplicitAny: the CLI's RPC input
            const input = params[0] as any;
            builds[input.functionID] = {
              handler: input.handler,
              architecture: input.properties?.architecture,
              links: input.links ?? {},
              install: input.properties?.install ?? {},
              splitting: Boolean(input.properties?.splitting),
              out: "",
            };
            return reply({});
          }
          case "Provider.Aws.Appsync":
            // `sst dev`'s Live Lambda endpoints, made once per account by the CLI.
            return reply({
              http: "example.appsync-api.us-east-1.amazonaws.com",
              realtime: "example.appsync-realtime-api.us-east-1.amazonaws.com",
            });
          case "Provider.Aws.Bootstrap":
            return reply({
              asset: `sst-asset-${ACCOUNT}-${REGION}`,
              assetEcrRegistryId: ACCOUNT,
              assetEcrUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sst-asset`,
              state: `sst-state-${ACCOUNT}-${REGION}`,
              appsyncHttp: "example.appsync-api.us-east-1.amazonaws.com",
              appsyncRealtime: "example.appsync-realtime-api.us-east-1.amazonaws.com",
            });
          default:
            return reply(null, `rpc: can't find method ${method}`);
        }
      } catch (error) {
        return reply(null, String((error as Error).stack ?? error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    builds,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
