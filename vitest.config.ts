import { defineConfig } from "vitest/config";

/**
 * The test tiers, as vitest projects. `npm test` runs them all; one tier runs on its own with
 * `npx vitest run --project <name>`. unit and contract start nothing and finish in seconds.
 */
// Media tests run ffmpeg unless listed here, so a new one lands in the slower tier by default.
const pureMedia = ["plan", "mediaconvert"].map(
  (name) => `packages/core/test/media/${name}.test.ts`,
);
const pureLocal = ["front", "mappings"].map((name) => `packages/local/test/${name}.test.ts`);

const tiers: Record<string, { include: string[]; exclude: string[] }> = {
  /** Core logic and ElectroDB `.params()` key shapes: no stand-in, no ffmpeg run. */
  unit: { include: ["packages/core/test/*.test.ts", ...pureMedia, ...pureLocal], exclude: [] },
  /** infra/*.ts evaluated against the recording fake of the sst.aws.* globals. */
  contract: { include: ["test/infra/**/*.test.ts"], exclude: [] },
  /** The Hono app in process over real dynalite, s3rver and fauxqs; no-op event handlers. */
  routes: { include: ["packages/functions/test/**/*.test.ts"], exclude: [] },
  /** Real ffmpeg/ffprobe on tiny generated media. */
  media: { include: ["packages/core/test/media/**/*.test.ts"], exclude: pureMedia },
  /** The repository's own rules: docs that resolve and match the code, no import cycles. */
  repo: { include: ["test/repo/**/*.test.ts"], exclude: [] },
  /** The web client in the system Chromium against `npm start`. */
  e2e: { include: ["test/e2e/**/*.test.ts"], exclude: [] },
};

const claimed = Object.values(tiers).flatMap((tier) => tier.include);

/**
 * The embedded runtime with its real handlers, stand-ins and ffmpeg (test/integration,
 * packages/local/test), and every test file no other tier claims: a new file always runs.
 */
const integration = {
  include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
  exclude: claimed,
};

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
    setupFiles: ["test/setup.ts"],
    projects: Object.entries({ ...tiers, integration }).map(([name, { include, exclude }]) => ({
      extends: true,
      test: { name, include: [...include], exclude: [...exclude, "**/node_modules/**"] },
    })),
  },
});
