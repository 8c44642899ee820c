import { type ErrorKind, VisibleError } from "@rushes/core/error";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** A cap on a request body's size: past it, 413 `too_large` in the error envelope. */
export const bodyCap = (maxSize: number, message: string) =>
  bodyLimit({
    maxSize,
    onError: (c) => c.json({ error: { code: "too_large", message } }, 413),
  });

/** The one place a domain error kind becomes an HTTP status. */
const statusOf = {
  input: 400,
  auth: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported: 415,
  invalid: 422,
  quota: 429,
} as const satisfies Record<ErrorKind, ContentfulStatusCode>;

const httpCodes: Record<number, string> = {
  400: "bad_request",
  401: "unauthenticated",
  404: "not_found",
  405: "method_not_allowed",
  413: "too_large",
  415: "unsupported_type",
};

type ZodLike = Error & { issues: Parameters<typeof VisibleError.fromZod>[0]["issues"] };

/** zod's error, recognised by shape: starting the API then needs no zod, only the routes do. */
const isZodError = (error: Error): error is ZodLike =>
  error.name === "ZodError" && Array.isArray((error as Partial<ZodLike>).issues);

/** The single error mapper: known errors become 4xx JSON; anything else an opaque 500. */
export async function onError(error: Error, c: Context) {
  if (error instanceof VisibleError) {
    const retry = error.quota?.retryAfterSeconds;
    if (retry !== undefined) c.header("Retry-After", String(retry));
    return c.json({ error: error.toJSON() }, statusOf[error.kind]);
  }
  if (isZodError(error)) {
    return c.json({ error: VisibleError.fromZod(error).toJSON() }, 400);
  }
  if (error instanceof HTTPException && error.status < 500) {
    const code = /json/i.test(error.message)
      ? "invalid_json"
      : (httpCodes[error.status] ?? "bad_request");
    return c.json({ error: { code, message: error.message || "Bad request" } }, error.status);
  }
  const requestId = c.get("requestId" as never) as string | undefined;
  // Loaded on first use: starting the API does not need pino.
  const { logger } = await import("@rushes/core/log");
  logger().error({ err: error, requestId, path: c.req.path }, "unhandled error");
  return c.json({ error: { code: "internal", message: "Internal error", requestId } }, 500);
}

export function notFound(c: Context) {
  return c.json(
    { error: { code: "not_found", message: `No route for ${c.req.method} ${c.req.path}` } },
    404,
  );
}
