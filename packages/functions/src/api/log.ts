import { createMiddleware } from "hono/factory";

/** One structured line per request, carrying the request id. */
export const requestLog = createMiddleware(async (c, next) => {
  const started = performance.now();
  await next();
  const ms = Math.round(performance.now() - started);
  // Loaded on first use: starting the API needs neither pino nor the settings it reads.
  const { logger } = await import("@rushes/core/log");
  logger().info(
    {
      requestId: c.get("requestId" as never),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms,
    },
    "request",
  );
});
