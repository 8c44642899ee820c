/**
 * What went wrong, in domain words. The API maps each kind to one HTTP status
 * (packages/functions/src/api/error.ts); core never speaks HTTP.
 */
const ErrorKinds = [
  "input",
  "auth",
  "forbidden",
  "not_found",
  "conflict",
  "too_large",
  "unsupported",
  "invalid",
  /** Over a per-owner quota (core/src/quota). */
  "quota",
] as const;

export type ErrorKind = (typeof ErrorKinds)[number];

export interface ErrorIssue {
  path: string;
  message: string;
}

/** Which quota an error is about, what is used and what is allowed (`quota_exceeded`). */
export interface QuotaDetail {
  name: string;
  usage: number;
  limit: number;
  /** When time frees enough of it; absent when only deleting frees it (storage). */
  retryAfterSeconds?: number;
}

/** The only error whose message reaches a client. Anything else becomes an opaque 500. */
export class VisibleError extends Error {
  constructor(
    public readonly kind: ErrorKind,
    public readonly code: string,
    message: string,
    public readonly issues?: ErrorIssue[],
    public readonly quota?: QuotaDetail,
  ) {
    super(message);
    this.name = "VisibleError";
  }

  /**
   * A schema may name a sharper code than `invalid_input` for one of its rules, through the
   * issue's `params.code` (e.g. `instant_out_of_range`); the first such issue decides.
   */
  static fromZod(
    error: {
      issues: ReadonlyArray<{
        path: ReadonlyArray<PropertyKey>;
        message: string;
        params?: { code?: unknown };
      }>;
    },
    fallback = "invalid_input",
  ) {
    const named = error.issues.find((issue) => typeof issue.params?.code === "string");
    const code = (named?.params?.code as string | undefined) ?? fallback;
    const issues = error.issues.map((issue) => ({
      path: issue.path.map(String).join("."),
      message: issue.message,
    }));
    const first = issues[0];
    const message = first
      ? `${first.path ? `${first.path}: ` : ""}${first.message}`
      : "Invalid input";
    return new VisibleError("input", code, message, issues);
  }

  toJSON() {
    return {
      code: this.code,
      message: this.message,
      ...(this.issues ? { issues: this.issues } : {}),
      ...(this.quota ? { quota: this.quota } : {}),
    };
  }
}

export const notFound = (what: string) =>
  new VisibleError("not_found", "not_found", `${what} not found`);
