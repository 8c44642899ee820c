import { createHash } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const MiB = 1024 ** 2;
const chunkBytes = 64 * 1024;

/**
 * Deterministic file content, made on the fly: a 1 MiB block drawn from `seed`, each MiB
 * stamped with its index, so a misplaced or repeated part changes the hash. Nothing is held
 * but the block.
 */
export namespace Pattern {
  const blocks = new Map<number, Buffer>();
  const block = (seed: number) => {
    let b = blocks.get(seed);
    if (!b) {
      b = Buffer.allocUnsafe(MiB);
      let x = seed >>> 0 || 1;
      for (let i = 0; i < MiB; i += 4) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        b.writeUInt32LE(x >>> 0, i);
      }
      blocks.set(seed, b);
    }
    return b;
  };

  /** Bytes [start, end) of the file drawn from `seed`. */
  export function slice(seed: number, start: number, end: number): Buffer {
    const out = Buffer.allocUnsafe(end - start);
    const base = block(seed);
    let pos = start;
    while (pos < end) {
      const mib = Math.floor(pos / MiB);
      const within = pos - mib * MiB;
      const n = Math.min(MiB - within, end - pos);
      base.copy(out, pos - start, within, within + n);
      const stamp = Buffer.alloc(8);
      stamp.writeBigUInt64LE(BigInt(mib));
      if (within < 8) stamp.copy(out, pos - start, within, Math.min(8, within + n));
      pos += n;
    }
    return out;
  }

  export function sha256(seed: number, size: number): string {
    const hash = createHash("sha256");
    for (let pos = 0; pos < size; pos += MiB)
      hash.update(slice(seed, pos, Math.min(size, pos + MiB)));
    return hash.digest("hex");
  }
}

/** Resolves once the response can take more, or is closed. */
function drained(res: ServerResponse) {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

export interface OriginFile {
  size: number;
  seed: number;
  etag?: string;
  lastModified?: string;
  /** Honours Range (206), with If-Range against the ETag or Last-Modified. */
  ranges: boolean;
  /** Sends Content-Length; without it the body goes chunked. */
  contentLength: boolean;
  /** What Content-Length claims, when it should lie (a small claim for a huge body, say). */
  claimedLength?: number;
  contentType?: string;
  /** Bytes [start, end) of the file, in place of the seeded pattern (a real video, padded). */
  content?: (start: number, end: number) => Buffer;
  /** Sends no faster than this, so a transfer lasts long enough to span a test's time budgets. */
  bytesPerSecond?: number;
}

export interface OriginRequest {
  path: string;
  range?: string;
  ifRange?: string;
  authorization?: string;
  host?: string;
}

/**
 * An HTTP server a fetch test controls: files by path, redirects, and faults on the next
 * responses that cross a position (the connection cut there, or held open with no byte).
 */
export async function startOrigin(host = "127.0.0.1") {
  const files = new Map<string, OriginFile>();
  const redirects = new Map<string, { status: number; location: string }>();
  const requests: OriginRequest[] = [];
  /** Absolute positions: the next response that reaches one is cut there (each used once). */
  const cuts: number[] = [];
  /**
   * The next response reaching this position sends nothing more but keeps the connection open,
   * until `until` settles (then it carries on), or for good.
   */
  const stall: { at?: number; until?: Promise<unknown> } = {};
  /** Called when a cut happens, before the socket is destroyed (e.g. to change the file). */
  const hooks: { onCut?: (at: number) => void } = {};
  const sockets = new Set<Socket>();

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://origin").pathname;
    requests.push({
      path,
      range: req.headers.range,
      ifRange: req.headers["if-range"] as string | undefined,
      authorization: req.headers.authorization,
      host: req.headers.host,
    });
    const redirect = redirects.get(path);
    if (redirect) {
      res.writeHead(redirect.status, { location: redirect.location, "content-length": "0" });
      return res.end();
    }
    const file = files.get(path);
    if (!file) {
      res.writeHead(404, { "content-length": "0" });
      return res.end();
    }
    const headers: Record<string, string> = {
      "content-type": file.contentType ?? "video/mp4",
      ...(file.etag ? { etag: file.etag } : {}),
      ...(file.lastModified ? { "last-modified": file.lastModified } : {}),
      ...(file.ranges ? { "accept-ranges": "bytes" } : {}),
    };
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const ifRange = req.headers["if-range"];
    const fresh = !ifRange || ifRange === file.etag || ifRange === file.lastModified;
    if (file.ranges && range && fresh) {
      start = Number(range[1]);
      if (start >= file.size) {
        res.writeHead(416, { "content-range": `bytes */${file.size}`, "content-length": "0" });
        return res.end();
      }
      headers["content-range"] = `bytes ${start}-${file.size - 1}/${file.size}`;
    }
    if (file.contentLength) {
      headers["content-length"] = String(file.claimedLength ?? file.size - start);
    }
    res.writeHead(start ? 206 : 200, headers);
    const { seed, size } = file;
    for (let pos = start; pos < size; ) {
      let end = Math.min(size, pos + chunkBytes);
      const cutIndex = cuts.findIndex((c) => c > pos && c <= end);
      const cut = cutIndex >= 0 ? cuts[cutIndex] : undefined;
      const held =
        stall.at !== undefined && stall.at > pos && stall.at <= end ? stall.at : undefined;
      if (cut !== undefined) end = cut;
      if (held !== undefined) end = Math.min(end, held);
      const bytes = file.content ? file.content(pos, end) : Pattern.slice(seed, pos, end);
      if (!res.write(bytes)) await drained(res);
      if (file.bytesPerSecond) await sleep((bytes.length / file.bytesPerSecond) * 1000);
      if (res.destroyed) return;
      pos = end;
      if (held === pos) {
        const until = stall.until;
        stall.at = undefined;
        stall.until = undefined;
        if (!until) return; // the connection stays open and silent
        await until;
        if (res.destroyed) return;
      }
      if (cut === pos) {
        cuts.splice(cutIndex, 1);
        // Let what was written reach the client before the cut.
        await new Promise<void>((resolve) => res.socket?.write("", () => resolve()) ?? resolve());
        hooks.onCut?.(pos);
        res.socket?.destroy();
        return;
      }
    }
    res.end();
  };

  const server = createServer((req, res) => {
    serve(req, res).catch(() => res.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, host);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host}:${port}`;
  return {
    origin,
    port,
    url: (path: string) => `${origin}${path}`,
    files,
    redirects,
    requests,
    cuts,
    stall,
    hooks,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}

export type Origin = Awaited<ReturnType<typeof startOrigin>>;
