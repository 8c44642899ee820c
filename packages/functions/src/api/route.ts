import { zValidator } from "@hono/zod-validator";
import { VisibleError } from "@rushes/core/error";
import type { MiddlewareHandler, ValidationTargets } from "hono";
import type * as z from "zod";

/**
 * How a route file declares its routes. A domain module (ElectroDB, the AWS SDK) is loaded on the
 * first request that needs it, so starting the API loads none of them; its schemas validate the
 * request and document the operation, so `/openapi.json` cannot drift from what is served.
 *
 *   const video = domain("Videos", () => import("@rushes/core/video"));
 *   .get("/", video.doc({ ... }), video.validate("query", (m) => m.Video.list.schema), async (c) => {
 *     const { Video } = await video.load();
 *     return c.json(await Video.list(c.req.valid("query")), 200);
 *   })
 */

/** The statuses an operation may answer besides its success (see error.ts for the kinds). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429;

/**
 * Picks a response schema from the loaded domain module and the API's own envelopes (`envelopes.ts`:
 * pages, lists); called only when the document is built.
 */
type Pick<M> = (module: M, envelopes: typeof import("./envelopes")) => z.ZodType;

export interface Operation<M = unknown> {
  /** Unique, camelCase: client generators name their methods after it. */
  operationId: string;
  summary: string;
  description?: string;
  /** The success status, its description, and the schema of its body when it has one. */
  response: { status: 200 | 201 | 202 | 204; description: string; schema?: Pick<M> };
  /**
   * The error statuses this operation answers besides those added for it: 401 on every keyed
   * route, 400 with any validator, 413 and 415 with a JSON body, 500 always.
   */
  errors?: ErrorStatus[];
  /** A body that is not JSON (a subtitle file): its media types, each a string. */
  body?: { contentTypes: string[]; description: string; examples?: Record<string, string> };
  /** A request body that the route accepts, shown in the docs; a test parses it with the validator. */
  example?: unknown;
  /** False for the few routes served without an API key. */
  auth?: false;
}

/** What the OpenAPI builder reads off the middleware of each route (`app.routes`). */
export const described = Symbol("rushes.openapi");

export type Described =
  | { kind: "operation"; tag: string; operation: Operation; load: () => Promise<unknown> }
  | { kind: "input"; target: keyof ValidationTargets; schema: () => Promise<z.ZodType> };

const mark = <T extends MiddlewareHandler>(middleware: T, meta: Described) =>
  Object.assign(middleware, { [described]: meta });

const jsonType = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

const check = <T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: T,
) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw VisibleError.fromZod(result.error);
  });

/**
 * zValidator whose failures become the one `{error: {code, message, issues}}` shape. The schema
 * comes from a loader, so a route validates with its domain module's schema without loading that
 * module before the route is first called.
 */
export const validate = <T extends z.ZodType, Target extends keyof ValidationTargets>(
  target: Target,
  schema: () => Promise<T>,
): ReturnType<typeof check<T, Target>> => {
  let loaded: MiddlewareHandler | undefined;
  const lazy: MiddlewareHandler = async (c, next) => {
    // Hono reads a body it does not recognise as `{}`; say what is wrong instead.
    if (target === "json" && !jsonType.test(c.req.header("content-type") ?? "")) {
      throw new VisibleError(
        "unsupported",
        "unsupported_media_type",
        "Send the body as application/json",
      );
    }
    loaded ??= check(target, await schema()) as MiddlewareHandler;
    return loaded(c, next);
  };
  return mark(lazy, { kind: "input", target, schema }) as unknown as ReturnType<
    typeof check<T, Target>
  >;
};

/** Documents an operation; as middleware it only passes the request on. */
export const describe = <M>(
  tag: string,
  operation: Operation<M>,
  load: () => Promise<M> = async () => undefined as M,
): MiddlewareHandler =>
  mark(async (_c, next) => next(), {
    kind: "operation",
    tag,
    operation: operation as Operation,
    load,
  });

/** One domain's routes: its module loaded once on first use, its validators and its docs. */
export function domain<M>(tag: string, load: () => Promise<M>) {
  return {
    /** The domain module: a dynamic import, so the first call loads it and later ones reuse it. */
    load,
    /** Validates `target` with a schema from the domain module. */
    validate: <T extends z.ZodType, Target extends keyof ValidationTargets>(
      target: Target,
      pick: (module: M) => T,
    ) => validate(target, async () => pick(await load())),
    /** Documents the operation under this domain's tag. */
    doc: (operation: Operation<M>) => describe(tag, operation, load),
  };
}
