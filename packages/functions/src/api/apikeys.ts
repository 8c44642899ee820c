import { Hono } from "hono";
import { domain } from "./route";

const apiKey = domain("API keys", () => import("@rushes/core/apikey"));

export const apiKeys = new Hono().post(
  "/",
  apiKey.doc({
    operationId: "createApiKey",
    summary: "Create an API key for an owner (admin key only)",
    description: "The key is shown once, in this response; only its hash is stored.",
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
);
