import { Actor } from "@rushes/core/actor";
import { VisibleError } from "@rushes/core/error";
import { createMiddleware } from "hono/factory";

/** Bearer auth: resolves the API key to an owner and runs the request as that actor. */
export const auth = createMiddleware(async (c, next) => {
  const header = c.req.header("authorization");
  if (!header)
    throw new VisibleError(
      "auth",
      "unauthenticated",
      "Missing API key: send Authorization: Bearer <key>",
    );
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  // Loaded on first use: API key lookups bring ElectroDB and the DynamoDB client.
  const { ApiKey } = await import("@rushes/core/apikey");
  const actor = match?.[1] ? await ApiKey.authenticate(match[1]) : undefined;
  if (!actor) throw new VisibleError("auth", "invalid_key", "The API key is not valid");
  await Actor.provide(actor, () => next());
});
