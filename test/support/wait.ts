/**
 * The one polling loop of the suite. Calls `check` every `intervalMs` until it returns something
 * other than undefined, null or false, and resolves with that. A throwing check is tried again
 * (a server still starting, say); after `timeoutMs` it fails with `what` and the last error.
 */
export async function waitUntil<T>(
  what: string | (() => string),
  check: () => Promise<T> | T,
  { timeoutMs = 60_000, intervalMs = 150 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) {
        return value as Exclude<T, undefined | null | false>;
      }
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const label = typeof what === "string" ? `timed out waiting for ${what}` : what();
      throw new Error(`${label}${lastError ? `: ${String(lastError)}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
