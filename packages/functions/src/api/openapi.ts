import { ApiKey } from "@rushes/core/apikey";
import { Camera } from "@rushes/core/camera";
import { Clip } from "@rushes/core/clip";
import { Video } from "@rushes/core/video";
import { Webhook } from "@rushes/core/webhook";
import * as z from "zod";

/**
 * The OpenAPI 3.1 document, built from the same zod schemas the routes validate with (zod's own
 * JSON Schema output). A test checks that every route the app serves is documented here.
 */
export interface Operation {
  method: "get" | "post" | "delete";
  path: string;
  summary: string;
  description?: string;
  query?: z.ZodType;
  body?: z.ZodType;
  response?: { status: number; schema?: z.ZodType; description: string };
  auth?: boolean;
}

const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });

const Upload = z.object({
  method: z.literal("POST"),
  url: z.string(),
  fields: z.record(z.string(), z.string()),
  expiresAt: z.string(),
  maxBytes: z.number(),
});

const page = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), cursor: z.string().nullable() });

export const operations: Operation[] = [
  {
    method: "get",
    path: "/health",
    summary: "Health check",
    auth: false,
    response: { status: 200, description: "OK" },
  },
  {
    method: "post",
    path: "/v1/uploads",
    summary: "Create a video and a presigned POST to upload its source",
    description:
      "Send the returned fields, then the file last, as multipart/form-data to upload.url. The POST policy fixes the key, the exact Content-Type and 1..bytes.",
    body: Video.create.schema,
    response: {
      status: 201,
      schema: z.object({ video: Video.Schema.Info, upload: Upload }),
      description: "Created",
    },
  },
  {
    method: "get",
    path: "/v1/videos",
    summary: "List videos, newest first",
    query: Video.list.schema,
    response: { status: 200, schema: page(Video.Schema.Info), description: "A page of videos" },
  },
  {
    method: "get",
    path: "/v1/videos/{id}",
    summary: "Get a video with presigned download URLs",
    response: { status: 200, schema: Video.Schema.Info, description: "The video" },
  },
  {
    method: "get",
    path: "/v1/videos/{id}/events",
    summary: "The video's history",
    response: {
      status: 200,
      schema: z.object({ data: z.array(Video.Schema.EventInfo) }),
      description: "Events",
    },
  },
  {
    method: "delete",
    path: "/v1/videos/{id}",
    summary: "Delete a video, its source and its outputs",
    response: { status: 204, description: "Deleted" },
  },
  {
    method: "post",
    path: "/v1/cameras",
    summary: "Create a camera",
    body: Camera.create.schema,
    response: { status: 201, schema: Camera.Info, description: "Created" },
  },
  {
    method: "get",
    path: "/v1/cameras/{id}",
    summary: "Get a camera",
    response: { status: 200, schema: Camera.Info, description: "The camera" },
  },
  {
    method: "post",
    path: "/v1/clips",
    summary: "Request a clip of a camera between two instants",
    description:
      "Answers 202 with the clip pending. It becomes available once the camera's recordings cover the window, or not_available after RUSHES_CLIP_RETRY_LIMIT_SECONDS. accuracy=fast stream-copies and may start up to one GOP early.",
    body: Clip.create.schema,
    response: { status: 202, schema: Clip.Schema.Info, description: "Accepted" },
  },
  {
    method: "get",
    path: "/v1/clips",
    summary: "List clips, newest first",
    query: Clip.list.schema,
    response: { status: 200, schema: page(Clip.Schema.Info), description: "A page of clips" },
  },
  {
    method: "get",
    path: "/v1/clips/{id}",
    summary: "Get a clip with presigned URLs",
    response: { status: 200, schema: Clip.Schema.Info, description: "The clip" },
  },
  {
    method: "post",
    path: "/v1/keys",
    summary: "Create an API key for an owner (admin only); the key is shown once",
    body: ApiKey.create.schema,
    response: { status: 201, schema: ApiKey.Created, description: "Created" },
  },
  ...webhookOperations(),
];

function webhookOperations(): Operation[] {
  const { Info, WithSecret, DeliveryInfo, DeliveriesInput } = Webhook.Schema;
  const base = "/v1/webhooks";
  return [
    {
      method: "post",
      path: base,
      summary: "Create a webhook endpoint; its whsec_ signing secret is shown once",
      description:
        "Deliveries follow the Standard Webhooks spec: headers webhook-id, webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256>). At least once: dedupe by webhook-id.",
      body: Webhook.create.schema,
      response: { status: 201, schema: WithSecret, description: "Created" },
    },
    {
      method: "get",
      path: base,
      summary: "List webhook endpoints",
      response: {
        status: 200,
        schema: z.object({ data: z.array(Info) }),
        description: "Endpoints",
      },
    },
    {
      method: "get",
      path: `${base}/{id}`,
      summary: "Get a webhook endpoint",
      response: { status: 200, schema: Info, description: "The endpoint" },
    },
    {
      method: "delete",
      path: `${base}/{id}`,
      summary: "Delete a webhook endpoint and its delivery log",
      response: { status: 204, description: "Deleted" },
    },
    {
      method: "post",
      path: `${base}/{id}/rotate`,
      summary: "Rotate the signing secret; the previous one keeps signing alongside for 24 h",
      response: { status: 200, schema: WithSecret, description: "The new secret, shown once" },
    },
    {
      method: "get",
      path: `${base}/{id}/deliveries`,
      summary: "The delivery log, newest first, with every attempt",
      query: DeliveriesInput,
      response: { status: 200, schema: page(DeliveryInfo), description: "A page of deliveries" },
    },
    {
      method: "post",
      path: `${base}/{id}/deliveries/{deliveryId}/retry`,
      summary: "Redeliver at once, with the same webhook-id",
      response: { status: 202, schema: DeliveryInfo, description: "Queued" },
    },
  ];
}

/** Lets other route files (clips) document themselves without editing this list. */
export function document(...more: Operation[]) {
  operations.push(...more);
}

/** Inline JSON Schema (no $defs), so each operation reads on its own. */
const json = (schema: z.ZodType, io: "input" | "output") => {
  const { $schema: _, ...out } = z.toJSONSchema(schema, {
    io,
    unrepresentable: "any",
    target: "draft-2020-12",
    reused: "inline",
    cycles: "throw",
    override: (ctx) => {
      delete (ctx.jsonSchema as { id?: string }).id;
    },
    metadata: z.globalRegistry,
  }) as Record<string, unknown> & { $defs?: Record<string, object>; $ref?: string };
  // A top-level schema with an id comes back as {$ref, $defs}: unwrap it.
  if (out.$ref && out.$defs) {
    const name = out.$ref.split("/").pop()!;
    return { ...out.$defs[name], title: name };
  }
  return out;
};

export function openapi() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const query = op.query ? json(op.query, "input") : undefined;
    const queryParams = Object.entries((query?.properties ?? {}) as Record<string, object>).map(
      ([name, schema]) => ({ name, in: "query", required: false, schema }),
    );
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(op.auth === false ? { security: [] } : {}),
      parameters: [...params, ...queryParams],
      ...(op.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: json(op.body, "input") } },
            },
          }
        : {}),
      responses: {
        ...(op.response
          ? {
              [op.response.status]: {
                description: op.response.description,
                ...(op.response.schema
                  ? {
                      content: {
                        "application/json": { schema: json(op.response.schema, "output") },
                      },
                    }
                  : {}),
              },
            }
          : {}),
        "4XX": {
          description: "Client error",
          content: { "application/json": { schema: json(ErrorBody, "output") } },
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "rushes",
      version: "1.0.0",
      description: "Serverless video: uploads, renditions, clips.",
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  };
}

/** A dependency-free reference page: works offline, unlike CDN-hosted viewers. */
export const docsPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>rushes API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}code,pre{font:13px ui-monospace,monospace}pre{background:#f4f4f6;padding:.75rem;overflow:auto;border-radius:6px}.op{border-top:1px solid #ddd;padding:1rem 0}.m{display:inline-block;min-width:4rem;font-weight:700;text-transform:uppercase}</style></head>
<body><h1>rushes API</h1><p>Send <code>Authorization: Bearer &lt;key&gt;</code>. The raw document is at <a href="/openapi.json">/openapi.json</a>.</p><main id="ops">Loading…</main>
<script>fetch("/openapi.json").then(r=>r.json()).then(doc=>{const m=document.getElementById("ops");m.textContent="";for(const[p,ops]of Object.entries(doc.paths))for(const[method,op]of Object.entries(ops)){const s=document.createElement("section");s.className="op";const h=document.createElement("h2");h.innerHTML='<span class="m"></span><code></code>';h.querySelector(".m").textContent=method;h.querySelector("code").textContent=p;s.append(h);const d=document.createElement("p");d.textContent=op.summary+(op.description?" — "+op.description:"");s.append(d);const pre=document.createElement("pre");pre.textContent=JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2);const det=document.createElement("details");const sum=document.createElement("summary");sum.textContent="Schema";det.append(sum,pre);s.append(det);m.append(s)}})</script></body></html>`;
