/**
 * Where a redirect leads, decided without I/O. Each hop is then checked like the first (hop.ts).
 * Credentials are the user's alone: never taken from a Location, and sent only to the origin
 * of the URL the user gave.
 */
export namespace Redirect {
  export const max = 5;
  export const statuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

  const schemes = new Set(["http:", "https:"]);

  /** The user's URL, parsed, or why it cannot be fetched. */
  export function parse(text: string): { ok: true; url: URL } | { ok: false; reason: string } {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { ok: false, reason: "not a valid URL" };
    }
    if (!schemes.has(url.protocol)) return { ok: false, reason: `${url.protocol} is not http(s)` };
    return { ok: true, url };
  }

  /** The next URL after a redirect from `from` with this Location header. */
  export function follow(
    from: URL,
    location: string,
  ): { ok: true; url: URL } | { ok: false; reason: string } {
    let url: URL;
    try {
      url = new URL(location, from);
    } catch {
      return { ok: false, reason: `redirect to an invalid URL (${location.slice(0, 200)})` };
    }
    if (!schemes.has(url.protocol)) {
      return { ok: false, reason: `redirect to ${url.protocol}, which is not http(s)` };
    }
    url.username = "";
    url.password = "";
    url.hash = "";
    return { ok: true, url };
  }

  /**
   * What one hop requests: the URL without credentials, and the user's credentials (for Basic
   * auth) only when the hop is on the user's own origin.
   */
  export function target(hop: URL, user: URL): { url: URL; auth?: string } {
    const url = new URL(hop);
    url.username = "";
    url.password = "";
    url.hash = "";
    const given = user.username || user.password;
    if (!given || hop.origin !== user.origin) return { url };
    return {
      url,
      auth: `${decodeURIComponent(user.username)}:${decodeURIComponent(user.password)}`,
    };
  }
}
