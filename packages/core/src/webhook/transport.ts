import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { Address } from "../net/address";

/** What one attempt to POST a delivery came to. */
export interface AttemptResult {
  statusCode?: number;
  latencyMs: number;
  error?: string;
  /** The first 1 KB of the body; the rest is never read. */
  responseBody?: string;
}

const maxBody = 1024;

/**
 * One POST, with no redirects followed. The port and the host are checked first (Address), and
 * the socket connects to that checked address through a fixed `lookup`, while TLS still
 * verifies the certificate for the URL's hostname (SNI and Host are unchanged).
 */
export async function post(input: {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  /** Ports allowed besides 443 (and 80 for http): RUSHES_WEBHOOK_PORTS. */
  ports: readonly number[];
}): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(input.url);
  const port = Address.refusedPort(url, input);
  if (port) return { latencyMs: elapsed(), error: port };
  const signal = AbortSignal.timeout(input.timeoutMs);
  const checked = await Promise.race([
    Address.check(url.hostname, input.allowPrivate),
    new Promise<{ ok: false; reason: string }>((resolve) =>
      signal.addEventListener("abort", () => resolve({ ok: false, reason: "timed out" })),
    ),
  ]);
  if (!checked.ok) return { latencyMs: elapsed(), error: checked.reason };
  const target = checked.addresses[0]!;
  const lookup = ((_host, options, callback) => {
    if ((options as { all?: boolean }).all) callback(null, [target]);
    else (callback as (e: null, a: string, f: number) => void)(null, target.address, target.family);
  }) as LookupFunction;

  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const done = (result: Omit<AttemptResult, "latencyMs">) => {
      if (settled) return;
      settled = true;
      resolve({ ...result, latencyMs: elapsed() });
    };
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(
      url,
      {
        method: "POST",
        lookup,
        signal,
        agent: false,
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(input.body)),
          "user-agent": "rushes-webhooks/1",
          ...input.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          response.destroy();
          done({
            statusCode: response.statusCode,
            responseBody: Buffer.concat(chunks).subarray(0, maxBody).toString("utf8"),
          });
        };
        response.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= maxBody) finish();
        });
        response.on("end", finish);
        response.on("error", finish);
      },
    );
    request.on("error", (error) =>
      done({ error: signal.aborted ? `timed out after ${input.timeoutMs} ms` : error.message }),
    );
    request.end(input.body);
  });
}
