import type { IncomingHttpHeaders } from "node:http";

export type Validator = { etag?: string; lastModified?: string };

/**
 * The resume rules, decided without I/O: what to ask for after a drop, and what the answer
 * means. A range is trusted only with a validator to hold it to (If-Range, then compared), so
 * bytes of two versions of a file are never stitched together.
 */
export namespace Resume {
  const header = (headers: IncomingHttpHeaders, name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };

  export function validator(headers: IncomingHttpHeaders): Validator | undefined {
    const etag = header(headers, "etag");
    const lastModified = header(headers, "last-modified");
    if (!etag && !lastModified) return undefined;
    return { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
  }

  /** Whether two validators name different versions (only what both carry is compared). */
  export function moved(before: Validator | undefined, after: Validator | undefined): boolean {
    if (!before || !after) return false;
    if (before.etag && after.etag) return weak(before.etag) !== weak(after.etag);
    if (before.lastModified && after.lastModified) {
      return before.lastModified !== after.lastModified;
    }
    return false;
  }

  const weak = (etag: string) => etag.replace(/^W\//, "");

  /**
   * The headers that continue a fetch from `offset`, or undefined when it cannot be continued
   * safely (nothing to hold the range to). If-Range takes a strong ETag, else a date.
   */
  export function headers(
    offset: number,
    held: Validator | undefined,
  ): Record<string, string> | undefined {
    const strong = held?.etag && !held.etag.startsWith("W/") ? held.etag : undefined;
    if (!strong && !held?.lastModified && !held?.etag) return undefined;
    const ifRange = strong ?? held?.lastModified;
    return { range: `bytes=${offset}-`, ...(ifRange ? { "if-range": ifRange } : {}) };
  }

  /** `bytes a-b/n` (n may be `*`) or `bytes * /n`. */
  export function contentRange(
    value: string | undefined,
  ): { start?: number; end?: number; total?: number } | undefined {
    const m = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(value?.trim() ?? "");
    if (!m) return undefined;
    const total = m[3] === "*" ? undefined : Number(m[3]);
    if (m[1] === undefined) return { total };
    return { start: Number(m[1]), end: Number(m[2]), total };
  }

  export type Verdict =
    /** Read this body from `start`; `total` is the whole file's size when known. */
    | { kind: "read"; start: number; total?: number; validator?: Validator }
    /** Nothing left to read: the stored bytes are the whole file. */
    | { kind: "complete" }
    /** The server sent the whole file again: it ignores ranges. */
    | { kind: "restart" }
    | { kind: "changed"; reason: string }
    | { kind: "too_large"; total: number }
    | { kind: "http_error"; status: number };

  type Answer = { status: number; headers: IncomingHttpHeaders; maxBytes: number };
  export type Fresh = Extract<Verdict, { kind: "read" | "too_large" | "http_error" | "changed" }>;

  /** What an answer to a request from byte 0 means; `held` is a validator recorded before. */
  export function fresh(input: Answer & { held?: Validator }): Fresh {
    const { status, headers } = input;
    const length = Number(header(headers, "content-length") ?? Number.NaN);
    if (status < 200 || status > 299 || status === 206) return { kind: "http_error", status };
    if (length > input.maxBytes) return { kind: "too_large", total: length };
    const now = validator(headers);
    if (moved(input.held, now)) return { kind: "changed", reason: "its validator moved" };
    return {
      kind: "read",
      start: 0,
      ...(Number.isSafeInteger(length) ? { total: length } : {}),
      validator: now,
    };
  }

  /**
   * What an answer to a request from `offset` (> 0) means, given the validator and size the
   * fetch recorded before.
   */
  export function resumed(
    input: Answer & { offset: number; held?: Validator; total?: number },
  ): Verdict {
    const { status, headers, offset } = input;
    if (status === 412) return { kind: "changed", reason: "the server refused the If-Range" };
    if (status === 416) {
      const range = contentRange(header(headers, "content-range"));
      if (range?.total === offset && (input.total ?? offset) === offset)
        return { kind: "complete" };
      return { kind: "changed", reason: "the file is now shorter than the bytes stored" };
    }
    if (status < 200 || status > 299) return { kind: "http_error", status };
    if (moved(input.held, validator(headers))) {
      return { kind: "changed", reason: "its validator moved" };
    }
    if (status !== 206) return { kind: "restart" };
    const range = contentRange(header(headers, "content-range"));
    if (range?.start !== offset) return { kind: "restart" };
    const total = range.total;
    if (total !== undefined && input.total !== undefined && total !== input.total) {
      return { kind: "changed", reason: `its size moved from ${input.total} to ${total} bytes` };
    }
    if (total !== undefined && total > input.maxBytes) return { kind: "too_large", total };
    return { kind: "read", start: offset, total: total ?? input.total, validator: input.held };
  }
}
