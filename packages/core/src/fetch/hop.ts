import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { Address } from "../net/address";
import { Dropped, FetchFailure } from "./failure";
import { Redirect } from "./redirect";

export interface HopOptions {
  /** Local addresses and any port (RUSHES_FETCH_ALLOW_LOCAL). */
  allowLocal: boolean;
  /** Ports allowed besides 443 (and 80 for http). */
  ports?: readonly number[];
  /** The address rule; a test may stand a loopback address in for a public server. */
  isPublic?: (address: string) => boolean;
  connectMs: number;
  /** Also bounds the wait for the response headers. */
  stallMs: number;
  signal?: AbortSignal;
}

const refused = (reason: string) => new FetchFailure("fetch_refused", reason);

/**
 * One GET, to the address checked here: resolved once, refused unless public (or local
 * addresses are allowed), then pinned through `lookup` while Host and TLS (SNI, the
 * certificate check) still name the URL's host.
 */
async function open(
  target: { url: URL; auth?: string },
  headers: Record<string, string>,
  options: HopOptions,
): Promise<IncomingMessage> {
  const { url } = target;
  const port = Address.refusedPort(url, {
    allowPrivate: options.allowLocal,
    ports: options.ports ?? [],
  });
  if (port) throw refused(`${url.host}: ${port}`);
  let addresses: Address.Resolved[];
  let timer: NodeJS.Timeout | undefined;
  try {
    addresses = await Promise.race([
      Address.resolve(url.hostname),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new FetchFailure(
                "fetch_timeout",
                `${url.hostname}: no DNS answer within ${options.connectMs} ms`,
              ),
            ),
          options.connectMs,
        );
      }),
    ]);
  } catch (error) {
    if (error instanceof FetchFailure) throw error;
    throw new Dropped(`DNS lookup of ${url.hostname} failed: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  const isPublic = options.isPublic ?? Address.isPublic;
  const bad = options.allowLocal ? undefined : addresses.find((a) => !isPublic(a.address));
  if (bad) throw refused(`${url.hostname} resolves to a non-public address (${bad.address})`);
  if (!addresses.length) throw new Dropped(`DNS lookup of ${url.hostname} returned no address`);
  // Every address was checked; the next is tried only when one cannot be connected to.
  let failed: unknown;
  for (const pinned of addresses) {
    try {
      return await get(target, headers, options, pinned);
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code ?? "";
      if (!unreachable.has(code)) throw error;
      failed = error;
    }
  }
  throw failed;
}

const unreachable = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);

function get(
  target: { url: URL; auth?: string },
  headers: Record<string, string>,
  options: HopOptions,
  pinned: Address.Resolved,
): Promise<IncomingMessage> {
  const { url } = target;
  const lookup = ((_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all) callback(null, [pinned]);
    else (callback as (e: null, a: string, f: number) => void)(null, pinned.address, pinned.family);
  }) as LookupFunction;

  const client = url.protocol === "https:" ? https : http;
  return new Promise<IncomingMessage>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: Error) => {
      clearTimeout(timer);
      request.destroy();
      reject(error);
    };
    const wait = (ms: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(
        () => fail(new FetchFailure("fetch_timeout", `${url.host}: ${what} within ${ms} ms`)),
        ms,
      );
    };
    const request = client.request(
      url,
      {
        method: "GET",
        lookup,
        agent: false,
        ...(target.auth ? { auth: target.auth } : {}),
        headers: { "user-agent": "rushes-fetch/1", "accept-encoding": "identity", ...headers },
      },
      (response) => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", aborted);
        resolve(response);
      },
    );
    const aborted = () => fail(options.signal?.reason ?? new Error("aborted"));
    if (options.signal?.aborted) return aborted();
    options.signal?.addEventListener("abort", aborted, { once: true });
    wait(options.connectMs, "no connection");
    request.once("socket", (socket) => {
      socket.once(url.protocol === "https:" ? "secureConnect" : "connect", () =>
        wait(options.stallMs, "no response"),
      );
    });
    request.on("error", (error) => {
      options.signal?.removeEventListener("abort", aborted);
      fail(
        error instanceof FetchFailure
          ? error
          : new Dropped(`${url.host}: ${error.message}`, { cause: error }),
      );
    });
    request.end();
  });
}

/**
 * GETs the user's URL, following at most 5 redirects, each hop checked as the first. Returns
 * the first answer that is not a redirect.
 */
export async function walk(
  input: { url: string; headers: Record<string, string> },
  options: HopOptions,
): Promise<IncomingMessage> {
  const parsed = Redirect.parse(input.url);
  if (!parsed.ok) throw refused(parsed.reason);
  const user = parsed.url;
  let hop = user;
  for (let redirects = 0; ; redirects++) {
    const response = await open(Redirect.target(hop, user), input.headers, options);
    const location = response.headers.location;
    if (!Redirect.statuses.has(response.statusCode ?? 0) || !location) return response;
    response.destroy();
    if (redirects === Redirect.max) throw refused(`more than ${Redirect.max} redirects`);
    const next = Redirect.follow(hop, location);
    if (!next.ok) throw refused(next.reason);
    hop = next.url;
  }
}
