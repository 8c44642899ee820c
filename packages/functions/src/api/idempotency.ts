import { VisibleError } from "@rushes/core/error";
import { createMiddleware } from "hono/factory";
import { type Described, described } from "./route";

/** The header as the OpenAPI document shows it; loaded with the document only. */
const header = async () => (await import("./envelopes")).IdempotencyHeader;

/**
 * Honours `Idempotency-Key` on a creating POST (core/idempotency says how). Only a success is
 * kept: after a 4xx nothing was created, so the key is freed and a corrected request may reuse
 * it. `replay` refreshes what must not be served stale, such as a presigned POST.
 */
export const idempotent = (replay?: (first: unknown) => Promise<unknown>) =>
  Object.assign(middleware(replay), {
    [described]: { kind: "input", target: "header", schema: header } satisfies Described,
  });

const middleware = (replay?: (first: unknown) => Promise<unknown>) =>
  createMiddleware(async (c, next) => {
    const header = c.req.header("idempotency-key");
    if (header === undefined) return next();
    const { Idempotency } = await import("@rushes/core/idempotency");
    const key = Idempotency.checkKey(header);
    const fingerprint = Idempotency.fingerprint(c.req.method, c.req.path, await c.req.text());
    const started = await Idempotency.begin(key, fingerprint);
    if (started.kind === "mismatch") {
      throw new VisibleError(
        "invalid",
        "idempotency_mismatch",
        "This Idempotency-Key was used with a different request",
      );
    }
    if (started.kind === "in_progress") {
      c.header("Retry-After", "1");
      throw new VisibleError(
        "conflict",
        "idempotency_in_progress",
        "A request with this Idempotency-Key is still in progress; retry shortly",
      );
    }
    if (started.kind === "replay") {
      c.header("Idempotent-Replayed", "true");
      const body = replay ? await replay(started.body) : started.body;
      return c.json(body as object, started.status as 200);
    }
    try {
      await next();
    } catch (error) {
      await Idempotency.release(key, fingerprint);
      throw error;
    }
    if (c.res.status >= 200 && c.res.status < 300 && !c.error) {
      await Idempotency.complete(key, fingerprint, c.res.status, await c.res.clone().json());
    } else {
      await Idempotency.release(key, fingerprint);
    }
  });
