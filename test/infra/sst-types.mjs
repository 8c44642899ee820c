#!/usr/bin/env node
// Opt-in: typechecks sst.config.ts and infra/*.ts against SST's real platform types.
//
// `sst install` would write them to .sst/platform, but it first downloads Pulumi from GitHub. This
// script needs only the npm registry and Linux x64. It does three things:
// 1. It takes SST's platform source out of the sst-linux-x64 binary, where it is embedded as a Go
//    embed.FS.
// 2. It npm-installs the @pulumi/aws and @pulumi/pulumi versions that source pins into
//    node_modules/.cache.
// 3. It runs tsc, reporting only errors in our files; the platform's own sources do not pass our
//    strict flags. infra/sst-globals.d.ts is left out, so the real declarations are used.
// Usage: node test/infra/sst-types.mjs
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");
const modules = path.join(root, "node_modules");
const version = JSON.parse(readFileSync(path.join(modules, "sst/package.json"), "utf8")).version;
const work = path.join(modules, ".cache/rushes-sst-types", version);
const platform = path.join(work, ".sst/platform");

function extractPlatform() {
  const bin = readFileSync(path.join(modules, "sst-linux-x64/bin/sst"));
  const segments = [];
  const phoff = Number(bin.readBigUInt64LE(0x20));
  for (let i = 0; i < bin.readUInt16LE(0x38); i++) {
    const at = phoff + i * bin.readUInt16LE(0x36);
    if (bin.readUInt32LE(at) !== 1) continue; // PT_LOAD
    const [offset, vaddr, size] = [8, 16, 32].map((o) => Number(bin.readBigUInt64LE(at + o)));
    segments.push({ offset, vaddr, size });
  }
  const toOffset = (va) => {
    const s = segments.find((s) => va >= s.vaddr && va < s.vaddr + s.size);
    return s && s.offset + (va - s.vaddr);
  };
  const toVaddr = (off) => {
    const s = segments.find((s) => off >= s.offset && off < s.offset + s.size);
    return s && s.vaddr + (off - s.offset);
  };
  // An embed.FS is a slice of {name string, data string, hash [16]byte}: 48 bytes each. Find the
  // entry whose name points at a known path, then walk the slice both ways.
  const known = Buffer.from("src/components/aws/bucket.ts");
  let entry = -1;
  for (let at = bin.indexOf(known); at >= 0 && entry < 0; at = bin.indexOf(known, at + 1)) {
    const ref = Buffer.alloc(16);
    ref.writeBigUInt64LE(BigInt(toVaddr(at) ?? 0), 0);
    ref.writeBigUInt64LE(BigInt(known.length), 8);
    entry = bin.indexOf(ref);
  }
  if (entry < 0) throw new Error("no embedded platform found in the sst binary");
  const read = (at) => {
    const [namePtr, nameLen, dataPtr, dataLen] = [0, 8, 16, 24].map((o) =>
      Number(bin.readBigUInt64LE(at + o)),
    );
    const nameAt = toOffset(namePtr);
    if (nameAt === undefined || nameLen === 0 || nameLen > 500) return undefined;
    const name = bin.subarray(nameAt, nameAt + nameLen).toString();
    if (!/^[\w./@-]+$/.test(name)) return undefined;
    const dataAt = dataLen ? toOffset(dataPtr) : 0;
    return { name, data: dataLen ? bin.subarray(dataAt, dataAt + dataLen) : Buffer.alloc(0) };
  };
  while (read(entry - 48)) entry -= 48;
  for (let at = entry, file = read(at); file; at += 48, file = read(at)) {
    if (file.name.endsWith("/")) continue;
    const to = path.join(platform, file.name);
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileSync(to, file.data);
  }
}

if (!existsSync(path.join(platform, "src/global.d.ts"))) extractPlatform();
const pins = JSON.parse(readFileSync(path.join(platform, "package.json"), "utf8")).dependencies;
if (!existsSync(path.join(work, "node_modules/@pulumi/aws"))) {
  writeFileSync(path.join(work, "package.json"), '{"private":true}');
  const packages = ["@pulumi/aws", "@pulumi/pulumi"].map((p) => `${p}@${pins[p]}`);
  execFileSync(
    "npm",
    ["install", "--ignore-scripts", "--no-audit", "--no-fund", ...packages, "@types/node@22"],
    { cwd: work, stdio: "inherit" },
  );
}

// What `sst install` generates for an app whose home is aws.
writeFileSync(
  path.join(platform, "config.d.ts"),
  `import "./src/global.d.ts";
import { AppInput, App, Config } from "./src/config";
import * as _aws from "@pulumi/aws";
declare global {
  // @ts-expect-error
  export import aws = _aws;
  export const $config: (input: Omit<Config, "app"> & {
    app(input: AppInput): Omit<App, "providers"> & { providers?: Record<string, unknown> };
  }) => Config;
}
`,
);
cpSync(path.join(root, "sst.config.ts"), path.join(work, "sst.config.ts"));
const ours = ["sst.config.ts"];
for (const file of readdirSync(path.join(root, "infra"))) {
  if (!file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
  cpSync(path.join(root, "infra", file), path.join(work, "infra", file));
  ours.push(`infra/${file}`);
}
const tsconfig = JSON.parse(readFileSync(path.join(root, "tsconfig.json"), "utf8"));
writeFileSync(
  path.join(work, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: { ...tsconfig.compilerOptions, lib: ["ES2023"], types: ["node"] },
    files: [".sst/platform/config.d.ts", ...ours],
  }),
);

let output = "";
try {
  execFileSync(path.join(modules, "typescript/bin/tsc"), ["-p", "tsconfig.json"], {
    cwd: work,
    encoding: "utf8",
  });
} catch (error) {
  output = String(error.stdout);
}
const errors = output.split("\n").filter((line) => ours.some((f) => line.startsWith(`${f}(`)));
console.log(errors.join("\n"));
console.log(
  `${ours.length} files checked against SST ${version} with @pulumi/aws ${pins["@pulumi/aws"]}: ${errors.length} errors`,
);
process.exit(errors.length ? 1 : 0);
