import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runtime } from "@rushes/local/runtime";
import { expect } from "vitest";

export type Reply = { status: number; body: any; text: string; headers: Headers };

/**
 * The API in-process with app.request(), over real dynalite/s3rver/fauxqs from the local runtime;
 * event handlers are no-ops, since route tests are about the HTTP contract.
 */
export async function startApp(env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), "rushes-routes-"));
  const { startRuntime } = await import("@rushes/local/runtime");
  const runtime: Runtime = await startRuntime({
    dataDir,
    port: 0,
    quiet: true,
    handlers: { ingest: async () => {}, clipWorker: async () => ({ batchItemFailures: [] }) },
    env,
  });
  const { app } = await import("@rushes/functions/api");
  const call = async (
    key: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const res = await app.request(path, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined
        ? { body: typeof body === "string" ? body : JSON.stringify(body) }
        : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : undefined,
      text,
      headers: res.headers,
    };
  };
  const newKey = async (owner: string): Promise<string> =>
    (await call(runtime.devKey, "POST", "/v1/keys", { owner })).body.key;
  const stop = async () => {
    await runtime.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  return { runtime, call, newKey, stop };
}

export const expectError = (res: Reply, status: number, code: string) => {
  expect(res.status, res.text).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe("string");
};
