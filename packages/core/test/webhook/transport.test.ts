import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Receiver, startReceiver } from "../../../../test/support/receiver";
import { post } from "../../src/webhook/transport";

// One attempt against a real local server: what is sent, what is kept, what is refused.
let server: Receiver;
let base: string;
let seen: Receiver["received"];

beforeAll(async () => {
  server = await startReceiver(async ({ path }) => {
    if (path === "/redirect") return { status: 302, replyHeaders: { location: "/elsewhere" } };
    if (path === "/big") return { status: 200, reply: "x".repeat(10_000) };
    if (path === "/slow") await new Promise((r) => setTimeout(r, 2000));
    return { status: path === "/slow" ? 200 : 204 };
  });
  ({ base, received: seen } = server);
});
afterAll(() => server.close());

const attempt = (path: string, extra: Partial<Parameters<typeof post>[0]> = {}) =>
  post({
    url: `${base}${path}`,
    body: '{"a":1}',
    headers: { "webhook-id": "msg_x" },
    timeoutMs: 1000,
    allowPrivate: true,
    ports: [],
    ...extra,
  });

describe("post", () => {
  it("POSTs the body as JSON with the given headers, and times the attempt", async () => {
    const result = await attempt("/ok");
    expect(result.statusCode).toBe(204);
    expect(result.error).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const last = seen.at(-1)!;
    expect(last.body).toBe('{"a":1}');
    expect(last.headers["content-type"]).toBe("application/json");
    expect(last.headers["webhook-id"]).toBe("msg_x");
  });

  it("keeps only the first 1 KB of the response", async () => {
    const result = await attempt("/big");
    expect(result.statusCode).toBe(200);
    expect(result.responseBody).toBe("x".repeat(1024));
  });

  it("does not follow redirects", async () => {
    const before = seen.length;
    const result = await attempt("/redirect");
    expect(result.statusCode).toBe(302);
    expect(seen.slice(before).map((s) => s.path)).toEqual(["/redirect"]);
  });

  it("gives up at the timeout", async () => {
    const result = await attempt("/slow", { timeoutMs: 300 });
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/timed out/);
    expect(result.latencyMs).toBeLessThan(2000);
  });

  it("refuses a private address without connecting, unless allowed", async () => {
    const before = seen.length;
    const port = Number(new URL(base).port);
    const result = await attempt("/ok", { allowPrivate: false, ports: [port] });
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/non-public address \(127\.0\.0\.1\)/);
    expect(seen.length).toBe(before);
  });

  it("deployed, refuses a port that is not allowed without connecting", async () => {
    const before = seen.length;
    const result = await attempt("/ok", { allowPrivate: false });
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/^port \d+ is not allowed \(allowed: 80\)$/);
    expect(seen.length).toBe(before);
  });

  it("connects to the address it checked: the socket never resolves the name again", async () => {
    // A rebinding resolver: any second lookup (the one a plain request would make to connect)
    // answers the metadata service's address. The attempt must not make that lookup at all.
    const dns = createRequire(import.meta.url)("node:dns") as typeof import("node:dns");
    const original = dns.lookup;
    let rebound = 0;
    dns.lookup = ((...args: unknown[]) => {
      rebound++;
      const callback = args.at(-1) as (e: null, a: string, f: number) => void;
      callback(null, "169.254.169.254", 4);
    }) as typeof dns.lookup;
    try {
      const { port } = server;
      const result = await attempt("/named", { url: `http://localhost:${port}/named` });
      expect(result.statusCode).toBe(204);
      expect(rebound).toBe(0);
      expect(seen.at(-1)!.headers.host).toBe(`localhost:${port}`);
    } finally {
      dns.lookup = original;
    }
  });
});
