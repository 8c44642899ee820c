import { Hono } from "hono";
import { domain } from "./route";

const apiKey = domain("API keys", () => import("@rushes/core/apikey"));

export const apiKeys = new Hono()
  .post(
    "/",
    apiKey.doc({
      operationId: "createApiKey",
      summary: "Create an API key for an owner (admin key only)",
      description:
        "The key is shown once, in this response; only its hash is stored. `id` names it for listing and revoking, `prefix` (its first characters) tells it apart.",
      response: {
        status: 201,
        description: "The new key and its owner",
        schema: (m) => m.ApiKey.Created,
      },
      errors: [403, 409],
      example: { owner: "studio-north" },
    }),
    apiKey.validate("json", (m) => m.ApiKey.create.schema),
    async (c) => {
      const { ApiKey } = await apiKey.load();
      return c.json(await ApiKey.create(c.req.valid("json")), 201);
    },
  )
  .get(
    "/",
    apiKey.doc({
      operationId: "listApiKeys",
      summary: "List API keys: the admin key sees every key, any other key its owner's",
      description:
        "Never shows a key, only its `prefix`. `lastUsedAt` is updated at most once a minute. Only the admin may pass `owner`.",
      response: {
        status: 200,
        description: "A page of keys",
        schema: (m, s) => s.page(m.ApiKey.Info),
      },
      errors: [403],
    }),
    apiKey.validate("query", (m) => m.ApiKey.list.schema),
    async (c) => {
      const { ApiKey } = await apiKey.load();
      return c.json(await ApiKey.list(c.req.valid("query")), 200);
    },
  )
  .delete(
    "/:id",
    apiKey.doc({
      operationId: "revokeApiKey",
      summary: "Revoke an API key: the next request made with it answers 401",
      description:
        "An owner may revoke their own keys, the admin key any. Another owner's key is a 404.",
      response: { status: 204, description: "Revoked" },
      errors: [404],
    }),
    async (c) => {
      const { ApiKey } = await apiKey.load();
      await ApiKey.revoke(c.req.param("id"));
      return c.body(null, 204);
    },
  );
