import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runtime, RuntimeOptions } from "@rushes/local/runtime";
import { type Api, apiClient } from "./api";

/** Event handlers that do nothing: the tests that use them are about the HTTP contract only. */
export const noHandlers = {
  ingest: async () => {},
  clipWorker: async () => ({ batchItemFailures: [] }),
};

/**
 * The routes tier: the API in process (`app.request()`), over the real dynalite, s3rver and fauxqs
 * of a local runtime whose event handlers are no-ops, so only the HTTP contract runs.
 */
export async function startInProcess(options: Partial<RuntimeOptions> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), "rushes-routes-"));
  const { startRuntime } = await import("@rushes/local/runtime");
  const runtime: Runtime = await startRuntime({
    dataDir,
    port: 0,
    quiet: true,
    handlers: noHandlers,
    ...options,
  });
  const { app } = await import("@rushes/functions/api");
  const api: Api = apiClient(app);
  const newKey = async (owner: string): Promise<string> => {
    const res = await api(runtime.devKey, "POST", "/v1/keys", { owner });
    if (res.status !== 201) throw new Error(`key for ${owner}: ${res.status} ${res.text}`);
    return res.body.key;
  };
  const stop = async () => {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  return { runtime, app, api, newKey, dataDir, stop };
}
