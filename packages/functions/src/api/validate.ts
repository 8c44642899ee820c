import { zValidator } from "@hono/zod-validator";
import { VisibleError } from "@rushes/core/error";
import type { ValidationTargets } from "hono";
import type { z } from "zod";

/** zValidator whose failures become the one `{error: {code, message, issues}}` shape. */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw VisibleError.fromZod(result.error);
  });
