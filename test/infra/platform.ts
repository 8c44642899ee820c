// SST's platform code (its components, in TypeScript), written out of the installed sst CLI binary.
//
// `sst install` writes the platform to `.sst/platform`, but first makes sure Pulumi and Bun are in
// `$HOME/.config/sst/bin`, and downloads them from GitHub when they are not. Neither is needed to
// write the platform, so it runs here with a throwaway HOME holding two stubs that only print a
// version: Pulumi's with the version the binary was built against (read from its Go build
// info), Bun's with whatever SST_BUN_VERSION tells the CLI to expect. It runs in a scratch app
// whose config pins @pulumi/aws to the installed version, so the CLI looks nothing up. The
// result is copied to `.sst/test-platform/<sst version>/` (gitignored) once per SST version.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";

export const root = path.resolve(import.meta.dirname, "../..");
const require = createRequire(path.join(root, "package.json"));

const version = (pkg: string) =>
  JSON.parse(readFileSync(path.join(root, "node_modules", pkg, "package.json"), "utf8"))
    .version as string;

/** The platform for the installed sst, extracted if it is not there yet; returns its directory. */
export function platformDir(): string {
  const sst = version("sst");
  const dir = path.join(root, ".sst/test-platform", sst, "platform");
  if (existsSync(path.join(dir, "src/components/index.ts"))) return dir;

  const binary = require.resolve(
    `sst-${process.platform}-${process.arch}/bin/${process.platform === "win32" ? "sst.exe" : "sst"}`,
  );
  // The CLI refuses to go on unless `pulumi version` prints the Pulumi it was built with.
  const buildInfo = readFileSync(binary).toString("latin1");
  const pulumi = /\tgithub\.com\/pulumi\/pulumi\/sdk\/v3\t(v3\.\d+\.\d+)\t/.exec(buildInfo)?.[1];
  if (!pulumi) throw new Error(`cannot find the Pulumi version in ${binary}`);
  const bun = "0.0.0-rushes-stub";

  const scratch = mkdtempSync(path.join(tmpdir(), "rushes-sst-platform-"));
  try {
    const bin = path.join(scratch, "home/.config/sst/bin");
    mkdirSync(bin, { recursive: true });
    const stub = (name: string, answer: string) => {
      const file = path.join(bin, name);
      writeFileSync(file, `#!/bin/sh\necho ${answer}\n`);
      chmodSync(file, 0o755);
    };
    stub("pulumi", pulumi);
    stub("bun", bun);
    const app = path.join(scratch, "app");
    mkdirSync(app);
    writeFileSync(path.join(app, "package.json"), '{"name":"platform","private":true}');
    writeFileSync(
      path.join(app, "sst.config.ts"),
      `export default $config({
  app() {
    return { name: "platform", home: "aws", providers: { aws: { version: "${version("@pulumi/aws")}" } } };
  },
  async run() {},
});
`,
    );
    execFileSync(binary, ["install", "--stage", "test"], {
      cwd: app,
      env: {
        ...process.env,
        HOME: path.join(scratch, "home"),
        SST_BUN_VERSION: bun,
        SST_TELEMETRY_DISABLED: "1",
      },
      stdio: "pipe",
    });
    const written = path.join(app, ".sst/platform");
    const pins = JSON.parse(readFileSync(path.join(written, "package.json"), "utf8")).dependencies;
    for (const pkg of ["@pulumi/pulumi", "@pulumi/aws"]) {
      const pinned = String(pins[pkg]).replace(/^v/, "");
      if (pinned !== version(pkg)) {
        throw new Error(
          `sst ${sst} pins ${pkg} ${pinned}, but ${version(pkg)} is installed: make the devDependency match`,
        );
      }
    }
    mkdirSync(path.dirname(dir), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    cpSync(written, dir, { recursive: true });
    // Its tsconfig extends @tsconfig/node18, which SST installs with Bun and this repo does not;
    // what the transform needs of it is node18's target.
    const tsconfig = JSON.parse(readFileSync(path.join(dir, "tsconfig.json"), "utf8"));
    delete tsconfig.extends;
    tsconfig.compilerOptions = { ...tsconfig.compilerOptions, target: "ES2022", strict: true };
    writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}

/**
 * The directory the program runs in (`$cli.paths.root`): the repository, entry by entry, through
 * symlinks, except for the web app's build output. StaticSite builds the site with a command that
 * only a real deploy runs (`npm run build`, against the deployed API's URL), then reads the output
 * directory: here that directory holds a stand-in page. The real packages/web/dist is not used:
 * the e2e tier rebuilds it while these tests run.
 */
export function programRoot(): string {
  const dir = path.join(root, ".sst/test-platform/root");
  const web = path.join(dir, "packages/web");
  if (existsSync(path.join(web, "dist/index.html"))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(web, { recursive: true });
  const skip = new Set([".git", ".sst", "packages"]);
  for (const entry of readdirSync(root)) {
    if (!skip.has(entry)) symlinkSync(path.join(root, entry), path.join(dir, entry));
  }
  for (const pkg of readdirSync(path.join(root, "packages"))) {
    if (pkg !== "web")
      symlinkSync(path.join(root, "packages", pkg), path.join(dir, "packages", pkg));
  }
  for (const entry of readdirSync(path.join(root, "packages/web"))) {
    if (entry !== "dist")
      symlinkSync(path.join(root, "packages/web", entry), path.join(web, entry));
  }
  mkdirSync(path.join(web, "dist"));
  writeFileSync(
    path.join(web, "dist/index.html"),
    "<!doctype html><title>rushes</title><!-- stand-in for the web build: test/infra/platform.ts -->\n",
  );
  return dir;
}

/** vitest globalSetup: extract once, before the contract tier's workers start. */
export default function setup() {
  platformDir();
  programRoot();
}
