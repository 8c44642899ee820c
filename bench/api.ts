// API cold start: the bundle SST would ship, and how long it takes to load compared with a naive bundle.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Bundle, bundle, top } from "./bundle";
import { median, pairedRatio, progress, quick, root, round, scratch } from "./lib";

const exec = promisify(execFile);

/** What the child reports: load + initialise, and optionally one request after it. */
type Sample = { initMs: number; requestMs?: number; status?: number };

/**
 * Runs in a fresh node process per sample. Lambda's Init Duration covers the same span: reading,
 * compiling and evaluating the module graph, up to the exported handler.
 */
const child = `
const started = performance.now();
const { handler } = await import(process.env.BENCH_BUNDLE);
const initMs = performance.now() - started;
const out = { initMs };
if (process.env.BENCH_REQUEST) {
  const [method, path] = process.env.BENCH_REQUEST.split(" ");
  const [rawPath, rawQueryString = ""] = path.split("?");
  const domainName = "bench.lambda-url.us-east-1.on.aws";
  const before = performance.now();
  const res = await handler({
    version: "2.0", routeKey: "$default", rawPath, rawQueryString, isBase64Encoded: false,
    headers: { host: domainName, authorization: "Bearer " + process.env.BENCH_KEY },
    requestContext: { domainName, requestId: "bench", http: { method, path: rawPath, sourceIp: "127.0.0.1" } },
  }, {});
  out.requestMs = performance.now() - before;
  out.status = res.statusCode;
}
process.stdout.write(JSON.stringify(out) + "\\n");
`;

const adminKey = "rk_bench_admin_key_0123456789abcdef";

/** A Lambda-like environment with no reachable AWS: the one DynamoDB call a cold request makes fails fast. */
const childEnv = (bundlePath: string, request?: string) => ({
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "/tmp",
  BENCH_BUNDLE: bundlePath,
  BENCH_KEY: adminKey,
  ...(request ? { BENCH_REQUEST: request } : {}),
  SST_RESOURCE_App: JSON.stringify({ name: "rushes", stage: "bench" }),
  SST_RESOURCE_Table: JSON.stringify({ name: "rushes-bench-table" }),
  SST_RESOURCE_Media: JSON.stringify({ name: "rushes-bench-media" }),
  SST_RESOURCE_Events: JSON.stringify({ arn: "arn:aws:sns:us-east-1:000000000000:rushes-bench" }),
  SST_RESOURCE_ClipQueue: JSON.stringify({ url: "http://127.0.0.1:9/000000000000/rushes-bench" }),
  SST_RESOURCE_AdminKey: JSON.stringify({ value: adminKey }),
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "bench",
  AWS_SECRET_ACCESS_KEY: "bench",
  AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  AWS_MAX_ATTEMPTS: "1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  RUSHES_LOG_LEVEL: "silent",
});

async function sample(bundlePath: string, request?: string): Promise<Sample> {
  const { stdout } = await exec(process.execPath, ["--input-type=module", "-e", child], {
    env: childEnv(bundlePath, request),
    cwd: root,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as Sample;
}

export interface ApiResult {
  bundleBytes: number;
  initRatio: number;
  detail: Record<string, unknown>;
}

export async function measureApi(): Promise<ApiResult> {
  const dir = await scratch("api");
  const entry = join(root, "packages/functions/src/api/index.ts");
  progress("api: bundling the API handler as SST would (esbuild, minified, node22, esm, split)");
  // infra/api.ts sets nodejs.splitting (pinned by test/infra/wiring.test.ts), so SST ships the
  // entry plus a chunk per dynamic import; a cold start loads the entry's static closure only.
  const ours = await bundle(entry, join(dir, "api.mjs"), { splitting: true });
  const naive = await bundle(join(root, "bench/naive-api.ts"), join(dir, "api-naive.mjs"));
  const whatIf = {
    oneFile: await bundle(entry, join(dir, "api-one-file.mjs")),
    awsSdkFromRuntime: await bundle(entry, join(dir, "api-sdk-external.mjs"), {
      external: ["@aws-sdk/*"],
    }),
  };
  progress(
    `api: ${kb(ours)} loaded at init of ${Math.round(ours.shippedBytes / 1024)} KB shipped (one file ${kb(whatIf.oneFile)}, naive ${kb(naive)})`,
  );

  // Both must really serve: an unauthenticated health check, then a listing that fails at the network.
  for (const b of [ours, naive]) {
    const health = await sample(b.path, "GET /health");
    if (health.status !== 200) throw new Error(`${b.path} answered /health with ${health.status}`);
  }

  const rounds = quick ? 5 : 21;
  progress(`api: load + init in fresh node processes, ${rounds} rounds, alternating`);
  const init = { ours: [] as number[], naive: [] as number[] };
  const cold = { ours: [] as number[], naive: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? (["naive", "ours"] as const) : (["ours", "naive"] as const);
    for (const which of order) {
      const path = which === "ours" ? ours.path : naive.path;
      init[which].push((await sample(path)).initMs);
    }
  }
  // Not a goal: the first request after a cold start pays for whatever the init deferred.
  const coldRounds = quick ? 3 : 9;
  for (let i = 0; i < coldRounds; i++) {
    for (const which of i % 2 ? (["naive", "ours"] as const) : (["ours", "naive"] as const)) {
      const path = which === "ours" ? ours.path : naive.path;
      const s = await sample(path, "GET /v1/videos?limit=50");
      if (s.status !== 500)
        throw new Error(`cold listing answered ${s.status}, expected 500 (no backend)`);
      cold[which].push(s.initMs + s.requestMs!);
    }
  }
  const initRatio = pairedRatio(init.ours, init.naive);
  progress(
    `api: init ${median(init.ours).toFixed(1)} ms vs naive ${median(init.naive).toFixed(1)} ms → ${initRatio.toFixed(2)}`,
  );

  return {
    bundleBytes: ours.bytes,
    initRatio: round(initRatio),
    detail: {
      bundleTop: top(ours.byPackage),
      shippedBytes: ours.shippedBytes,
      naiveBundleBytes: naive.bytes,
      initMs: { ours: round(median(init.ours), 1), naive: round(median(init.naive), 1), rounds },
      coldListRequest: {
        note: "load + init + first GET /v1/videos (DynamoDB unreachable, so it ends in a fast 500)",
        oursMs: round(median(cold.ours), 1),
        naiveMs: round(median(cold.naive), 1),
        ratio: round(pairedRatio(cold.ours, cold.naive)),
      },
      whatIfBundleBytes: {
        note: "without splitting, everything is in the one file and loaded at init",
        oneFile: whatIf.oneFile.bytes,
        oneFileTop: top(whatIf.oneFile.byPackage),
        awsSdkFromRuntime: whatIf.awsSdkFromRuntime.bytes,
      },
    },
  };
}

const kb = (b: Bundle) => `${Math.round(b.bytes / 1024)} KB`;
