import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Where rushes may connect on a user's behalf: webhook deliveries and URL fetches. Deployed, only
 * public unicast addresses on allowed ports: a user must not be able to make our functions reach
 * into a VPC, the metadata service or localhost, nor use what comes back to probe ports. The
 * check runs on every resolved address, and the connection then goes to the checked address
 * (webhook/transport.ts, fetch/hop.ts), so a DNS answer that changes between check and connect
 * (rebinding) cannot slip past it.
 */
export namespace Address {
  const blocked = new BlockList();
  for (const [net, bits] of [
    ["0.0.0.0", 8], // "this" network
    ["10.0.0.0", 8],
    ["100.64.0.0", 10], // carrier-grade NAT
    ["127.0.0.0", 8],
    ["169.254.0.0", 16], // link-local, including the instance metadata service
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.0.2.0", 24], // documentation
    ["192.88.99.0", 24], // 6to4 relay anycast
    ["192.168.0.0", 16],
    ["198.18.0.0", 15], // benchmarking
    ["198.51.100.0", 24],
    ["203.0.113.0", 24],
    ["224.0.0.0", 4], // multicast
    ["240.0.0.0", 4], // reserved, and broadcast
  ] as const)
    blocked.addSubnet(net, bits, "ipv4");

  // Public IPv6 unicast is 2000::/3; these parts of it are not. Addresses that embed an IPv4
  // address are judged by that address before this list is read (embedded, below).
  const blocked6 = new BlockList();
  for (const [net, bits] of [
    ["2001::", 23], // IETF protocol assignments (Teredo, inside it, is judged by its IPv4)
    ["2001:db8::", 32], // documentation
    ["3fff::", 20], // documentation
  ] as const)
    blocked6.addSubnet(net, bits, "ipv6");
  const global6 = new BlockList();
  global6.addSubnet("2000::", 3, "ipv6");

  /** The eight 16-bit groups of a valid IPv6 address (a trailing dotted quad included). */
  function groups(address: string): number[] {
    let text = address.toLowerCase();
    const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
    if (quad) {
      const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
      text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    }
    const [head = "", tail] = text.split("::");
    const parse = (part: string) =>
      part ? part.split(":").map((g) => Number.parseInt(g, 16)) : [];
    const front = parse(head);
    if (tail === undefined) return front;
    const back = parse(tail);
    return [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
  }

  const ipv4 = (high: number, low: number) =>
    [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");

  /**
   * The IPv4 addresses an IPv6 address carries, where a packet to it ends up at them: mapped
   * (::ffff:a.b.c.d), translated (::ffff:0:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96),
   * 6to4 (2002::/16) and Teredo (2001::/32: its server, and its client with the bits inverted).
   * Undefined when it carries none.
   */
  export function embedded(address: string): string[] | undefined {
    const g = groups(address);
    const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
    const last = ipv4(g[6]!, g[7]!);
    if (zero(0, 5) && (g[5] === 0xffff || g[5] === 0)) return [last];
    if (zero(0, 4) && g[4] === 0xffff && g[5] === 0) return [last];
    if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return [last];
    if (g[0] === 0x2002) return [ipv4(g[1]!, g[2]!)];
    if (g[0] === 0x2001 && g[1] === 0) {
      return [ipv4(g[2]!, g[3]!), ipv4(g[6]! ^ 0xffff, g[7]! ^ 0xffff)];
    }
    return undefined;
  }

  /**
   * True for a public unicast address. An IPv6 address that embeds IPv4 (see `embedded`) is
   * public only if every IPv4 address it carries is; other IPv6 must be global unicast.
   */
  export function isPublic(address: string): boolean {
    const family = isIP(address);
    if (family === 4) return !blocked.check(address, "ipv4");
    if (family !== 6 || address.includes("%")) return false;
    const carried = embedded(address);
    if (carried) return carried.every((v4) => !blocked.check(v4, "ipv4"));
    return global6.check(address, "ipv6") && !blocked6.check(address, "ipv6");
  }

  /**
   * Why a URL's port is refused, or undefined. Deployed, 443 only (80 too where http is
   * allowed), plus the ports the operator lists in RUSHES_WEBHOOK_PORTS; with local addresses
   * allowed (the local runtime), any port.
   */
  export function refusedPort(
    url: URL,
    policy: { allowPrivate: boolean; ports: readonly number[] },
  ): string | undefined {
    if (policy.allowPrivate) return undefined;
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const allowed = [url.protocol === "https:" ? 443 : 80, ...policy.ports];
    if (allowed.includes(port)) return undefined;
    return `port ${port} is not allowed (allowed: ${[...new Set(allowed)].join(", ")})`;
  }

  export interface Resolved {
    address: string;
    family: 4 | 6;
  }

  /** Every address the host resolves to; the URL's hostname as is when it is an IP literal. */
  export async function resolve(hostname: string): Promise<Resolved[]> {
    const bare = hostname.replace(/^\[|\]$/g, "");
    const family = isIP(bare);
    if (family) return [{ address: bare, family: family as 4 | 6 }];
    const all = await lookup(bare, { all: true, verbatim: true });
    return all.map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  }

  /** The addresses to connect to, or the reason none may be used. */
  export async function check(
    hostname: string,
    allowPrivate: boolean,
  ): Promise<{ ok: true; addresses: Resolved[] } | { ok: false; reason: string }> {
    let addresses: Resolved[];
    try {
      addresses = await resolve(hostname);
    } catch (error) {
      return { ok: false, reason: `DNS lookup failed: ${(error as Error).message}` };
    }
    if (!addresses.length) return { ok: false, reason: "DNS lookup returned no address" };
    const refused = allowPrivate ? undefined : addresses.find((a) => !isPublic(a.address));
    if (refused) {
      return {
        ok: false,
        reason: `${hostname} resolves to a non-public address (${refused.address})`,
      };
    }
    return { ok: true, addresses };
  }
}
