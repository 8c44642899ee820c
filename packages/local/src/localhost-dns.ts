import dns from "node:dns";

let installs = 0;
let original: typeof dns.lookup | undefined;

/**
 * Makes `*.localhost` names resolve to 127.0.0.1 in this process, as RFC 6761 asks resolvers
 * to do and as browsers already do. fauxqs names its queues `http://sqs.<region>.localhost:<port>/…`,
 * and the SQS client sends each call to the host in the queue URL. Without this, those calls
 * fail on machines whose resolver does not know `*.localhost`. Other names are untouched.
 * Returns a function that undoes it (the last undo restores the original lookup).
 */
export function resolveLocalhostNames(): () => void {
  if (installs++ === 0) {
    original = dns.lookup;
    const lookup = original;
    const patched = (hostname: string, ...rest: unknown[]) => {
      const callback = rest.pop() as (...args: unknown[]) => void;
      const options = (rest[0] ?? {}) as number | { all?: boolean; family?: number | string };
      if (!hostname.toLowerCase().endsWith(".localhost")) {
        return (lookup as (...args: unknown[]) => void)(hostname, ...rest, callback);
      }
      const all = typeof options === "object" && options.all;
      process.nextTick(() =>
        all
          ? callback(null, [{ address: "127.0.0.1", family: 4 }])
          : callback(null, "127.0.0.1", 4),
      );
    };
    dns.lookup = patched as unknown as typeof dns.lookup;
  }
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    if (--installs === 0 && original) {
      dns.lookup = original;
      original = undefined;
    }
  };
}
