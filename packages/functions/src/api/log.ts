import { logger } from "@rushes/core/log";
import { createMiddleware } from "hono/factory";

/** One structured line per request, carrying the request id. */
export const requestLog = createMiddleware(async (c, next) => {
  const started = performance.now();
  await next();
  logger().info(
    {
      requestId: c.get("requestId" as never),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    },
    "request",
  );
});
