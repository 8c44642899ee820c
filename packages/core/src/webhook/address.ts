import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Where a webhook may be sent. Deployed, only public unicast addresses: a user must not be able
 * to make our functions POST into a VPC, the metadata service or localhost. The check runs on
 * every resolved address, and the connection then goes to the checked address (transport.ts),
 * so a DNS answer that changes between check and connect (rebinding) cannot slip past it.
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
    ["192.168.0.0", 16],
    ["198.18.0.0", 15], // benchmarking
    ["198.51.100.0", 24],
    ["203.0.113.0", 24],
    ["224.0.0.0", 4], // multicast
    ["240.0.0.0", 4], // reserved, and broadcast
  ] as const)
    blocked.addSubnet(net, bits, "ipv4");
  for (const [net, bits] of [
    ["::", 128], // unspecified
    ["::1", 128],
    ["64:ff9b::", 96], // NAT64: may reach any IPv4, including private ones
    ["100::", 64], // discard
    ["2001:db8::", 32], // documentation
    ["2002::", 16], // 6to4: embeds an IPv4 address
    ["fc00::", 7], // unique local
    ["fe80::", 10], // link-local
    ["fec0::", 10], // site-local (deprecated)
    ["ff00::", 8], // multicast
  ] as const)
    blocked.addSubnet(net, bits, "ipv6");

  /** True for a public unicast address. IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is judged as IPv4. */
  export function isPublic(address: string): boolean {
    const family = isIP(address);
    if (!family) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return !blocked.check(mapped[1]!, "ipv4");
    return !blocked.check(address, family === 4 ? "ipv4" : "ipv6");
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
