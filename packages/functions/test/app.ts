import { expect } from "vitest";
import type { Reply } from "../../../test/support/api";
import { startInProcess } from "../../../test/support/in-process";

export type { Reply };

/**
 * The routes tier's harness: test/support/in-process.ts (the API in process over real
 * dynalite/s3rver/fauxqs, no-op event handlers), with `call` taking extra headers positionally and
 * sending a string body verbatim, as these tests were written.
 */
export async function startApp(env: Record<string, string> = {}) {
  const { runtime, api, newKey, stop } = await startInProcess({ env });
  const call = (
    key: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> =>
    typeof body === "string"
      ? api(key, method, path, undefined, { raw: body, headers })
      : api(key, method, path, body, { headers });
  return { runtime, call, newKey, stop };
}

export const expectError = (res: Reply, status: number, code: string) => {
  expect(res.status, res.text).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(typeof res.body.error.message).toBe("string");
};
