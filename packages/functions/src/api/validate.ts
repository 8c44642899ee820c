import { zValidator } from "@hono/zod-validator";
import { VisibleError } from "@rushes/core/error";
import type { MiddlewareHandler, ValidationTargets } from "hono";
import type { z } from "zod";

const check = <T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw VisibleError.fromZod(result.error);
  });

/**
 * zValidator whose failures become the one `{error: {code, message, issues}}` shape. The schema
 * may come from a loader, so a route validates with its domain module's schema without loading
 * that module (ElectroDB, the AWS SDK) before the route is first called.
 */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T | (() => Promise<T>),
): ReturnType<typeof check<T, Target>> => {
  if (typeof schema !== "function") return check(target, schema);
  let loaded: MiddlewareHandler | undefined;
  const lazy: MiddlewareHandler = async (c, next) => {
    loaded ??= check(target, await schema()) as MiddlewareHandler;
    return loaded(c, next);
  };
  return lazy as ReturnType<typeof check<T, Target>>;
};
