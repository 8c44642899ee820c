import { defineConfig } from "vitest/config";

/**
 * The test tiers, as vitest projects. `npm test` runs them all; one tier runs on its own with
 * `npx vitest run --project <name>`. unit and contract start nothing and finish in seconds.
 */
// Media tests run ffmpeg unless listed here, so a new one lands in the slower tier by default.
const pureMedia = ["plan", "mediaconvert", "loudness"].map(
  (name) => `packages/core/test/media/${name}.test.ts`,
);
const pureLocal = ["front", "mappings"].map((name) => `packages/local/test/${name}.test.ts`);

const tiers: Record<string, { include: string[]; exclude: string[]; globalSetup?: string[] }> = {
  /** Core logic and ElectroDB `.params()` key shapes: no stand-in, no ffmpeg run. */
  unit: {
    include: [
      "packages/core/test/*.test.ts",
      "packages/web/test/*.test.ts",
      ...pureMedia,
      ...pureLocal,
    ],
    exclude: [],
  },
  /**
   * sst.config.ts on SST's own platform code under Pulumi's mocks (test/infra/stack.ts). Its
   * globalSetup writes the platform out of the sst CLI binary, once per SST version.
   */
  contract: {
    include: ["test/infra/**/*.test.ts"],
    exclude: [],
    globalSetup: ["test/infra/platform.ts"],
  },
  /** The Hono app in process over real dynalite, s3rver and fauxqs; no-op event handlers. */
  routes: { include: ["packages/functions/test/**/*.test.ts"], exclude: [] },
  /** Real ffmpeg/ffprobe on tiny generated media. */
  media: { include: ["packages/core/test/media/**/*.test.ts"], exclude: pureMedia },
  /** The repository's own rules: docs that resolve and match the code, no import cycles. */
  repo: { include: ["test/repo/**/*.test.ts"], exclude: [] },
  /** The web client in the system Chromium against `npm start`. */
  e2e: {
    include: ["test/e2e/**/*.test.ts"],
    exclude: [],
    // The web client, built once for every browser test.
    globalSetup: ["test/e2e/global-setup.ts"],
  },
  /**
   * The AWS requests the other tiers recorded, against the stack's IAM (test/iam/check.ts). It
   * runs after every other tier (groupOrder), whose records it reads.
   */
  iam: {
    include: ["test/iam/**/*.test.ts"],
    exclude: [],
    globalSetup: ["test/infra/platform.ts"],
  },
};

const claimed = Object.values(tiers).flatMap((tier) => tier.include);

/**
 * The embedded runtime with its real handlers, stand-ins and ffmpeg (test/integration,
 * packages/local/test), and every test file no other tier claims: a new file always runs.
 */
const integration = {
  include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
  exclude: claimed,
  // A run of the integration tier records afresh what test/iam then checks.
  globalSetup: ["test/iam/fresh-records.ts"],
};

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
    setupFiles: ["test/setup.ts"],
    projects: Object.entries({ ...tiers, integration }).map(
      ([name, { include, exclude, ...rest }]) => ({
        extends: true,
        test: {
          name,
          include: [...include],
          exclude: [...exclude, "**/node_modules/**"],
          ...rest,
          ...(name === "iam" ? { sequence: { groupOrder: 1 } } : {}),
        },
      }),
    ),
  },
});
