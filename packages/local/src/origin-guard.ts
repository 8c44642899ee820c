import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";

/**
 * A gate in front of a stand-in's HTTP server. The stand-ins check no signatures, so anything a
 * web page can send to their loopback ports would be obeyed: listing the bucket, scanning the
 * key table, overwriting a rendition. Browsers mark what they send (Origin, Sec-Fetch-Site);
 * the SDK and curl send neither, and are let through.
 *
 * - A request with an `Origin` passes only if that origin is the app's own.
 * - Without one, a cross-site request is refused, except a plain GET/HEAD where the stand-in
 *   allows it: s3rver's presigned GETs are loaded by the app's <video>/<img> tags and links, and
 *   the app on `localhost` is another site than the stand-in on `127.0.0.1`. Such a request
 *   cannot read the response and S3 GETs change nothing.
 * - The Host must be a loopback name, so a rebound DNS name cannot reach the port.
 */
export interface GuardPolicy {
  /** Let cross-site GET/HEAD without an Origin through (media elements, links). */
  crossSiteReads: boolean;
}

const loopback = /^(localhost|127\.0\.0\.1|\[::1\]|[a-z0-9.-]+\.localhost)(:\d+)?$/i;

/** Why the request is refused, or undefined to let it through. */
export function refusal(
  method: string,
  headers: IncomingHttpHeaders,
  origins: ReadonlySet<string>,
  policy: GuardPolicy,
): string | undefined {
  if (!loopback.test(headers.host ?? "")) return "host is not a loopback name";
  const origin = headers.origin;
  if (origin !== undefined) {
    return origins.has(origin) ? undefined : `origin ${origin} is not the app's`;
  }
  if (headers["sec-fetch-site"] !== "cross-site") return undefined;
  const read = method === "GET" || method === "HEAD";
  return read && policy.crossSiteReads ? undefined : "cross-site request";
}

export interface Guard {
  /** The app's origins, known once its server listens; until then every Origin is foreign. */
  allow(origins: readonly string[]): void;
  /** Puts the gate before every `request` listener the server has now. */
  install(server: Server, policy: GuardPolicy): void;
}

export function createGuard(): Guard {
  let origins: ReadonlySet<string> = new Set();
  return {
    allow(list) {
      origins = new Set(list);
    },
    install(server, policy) {
      const handlers = server.listeners("request") as Array<
        (req: IncomingMessage, res: ServerResponse) => void
      >;
      server.removeAllListeners("request");
      server.on("request", (req: IncomingMessage, res: ServerResponse) => {
        const why = refusal(req.method ?? "GET", req.headers, origins, policy);
        if (why) {
          res.writeHead(403, { "content-type": "text/plain; charset=utf-8", vary: "Origin" });
          res.end(`Forbidden: ${why}. The local stand-ins answer only the rushes app.\n`);
          req.resume();
          return;
        }
        // Every answer varies by Origin, also one to a request without it: otherwise a browser
        // caches an <img>'s no-CORS answer and serves it to a later fetch(), which then fails.
        res.setHeader("Vary", "Origin");
        answerOnlyTo(res, req.headers.origin);
        for (const handler of handlers) handler.call(server, req, res);
      });
    },
  };
}

/** s3rver answers `Access-Control-Allow-Origin: *` for any matching rule; name the origin instead. */
function answerOnlyTo(res: ServerResponse, origin: string | undefined) {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name, value) => {
    if (origin && name.toLowerCase() === "access-control-allow-origin" && value === "*") {
      value = origin;
    }
    if (name.toLowerCase() === "vary" && !/\borigin\b/i.test(String(value))) {
      value = `${value}, Origin`;
    }
    return setHeader(name, value);
  };
}
