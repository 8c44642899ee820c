import { defineConfig } from "vitest/config";

// One `vitest run` covers every tier: unit, route, integration, infra contract and browser e2e.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
    setupFiles: ["test/setup.ts"],
  },
});
