import type { z } from "zod";
import { VisibleError } from "./error";

/**
 * Wraps a domain function so its input is parsed at the boundary. The schema is exposed as
 * `.schema` so routes and the OpenAPI document reuse it instead of copying it.
 */
export function fn<S extends z.ZodType, R>(
  schema: S,
  impl: (input: z.output<S>) => R,
): ((input: z.input<S>) => R) & { schema: S } {
  const wrapped = (input: z.input<S>) => {
    const parsed = schema.safeParse(input);
    if (!parsed.success) throw VisibleError.fromZod(parsed.error);
    return impl(parsed.data);
  };
  return Object.assign(wrapped, { schema });
}
