import { ApiKey } from "@rushes/core/apikey";
import { Camera } from "@rushes/core/camera";
import { Recordings } from "@rushes/core/camera/recordings";
import { Clip } from "@rushes/core/clip";
import { Video } from "@rushes/core/video";
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
      "Send the returned fields, then the file last, as multipart/form-data to upload.url. The POST policy fixes the key, the exact Content-Type and 1..bytes. A replay re-signs the POST for the time it had left. Honours an Idempotency-Key header (up to 255 characters, kept 24 h per owner): the same request again answers the first response (header Idempotent-Replayed: true), a different one 422 idempotency_mismatch, one still running 409 idempotency_in_progress.",
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
    description:
      "Honours an Idempotency-Key header (up to 255 characters, kept 24 h per owner): the same request again answers the first response (header Idempotent-Replayed: true), a different one 422 idempotency_mismatch, one still running 409 idempotency_in_progress.",
    body: Camera.create.schema,
    response: { status: 201, schema: Camera.Info, description: "Created" },
  },
  {
    method: "get",
    path: "/v1/cameras",
    summary: "List cameras, by id",
    query: Camera.list.schema,
    response: { status: 200, schema: page(Camera.Info), description: "A page of cameras" },
  },
  {
    method: "get",
    path: "/v1/cameras/{id}",
    summary: "Get a camera",
    response: { status: 200, schema: Camera.Info, description: "The camera" },
  },
  {
    method: "get",
    path: "/v1/cameras/{id}/recordings",
    summary: "A camera's ready recordings in a window, oldest first, with its gaps",
    description:
      "start and end are ISO 8601 or epoch ms; the window defaults to the last 24 h and is at most 7 days (422 window_too_long). gaps lists the stretches of the window no recording covers, longer than 1 s: the rule the clip worker waits on.",
    query: Recordings.ListInput.omit({ cameraId: true }),
    response: { status: 200, schema: Recordings.Page, description: "A page of recordings" },
  },
  {
    method: "post",
    path: "/v1/clips",
    summary: "Request a clip of a camera between two instants",
    description:
      "Answers 202 with the clip pending. It becomes available once the camera's recordings cover the window, or not_available after RUSHES_CLIP_RETRY_LIMIT_SECONDS. accuracy=fast stream-copies and may start up to one GOP early. Honours an Idempotency-Key header (up to 255 characters, kept 24 h per owner): the same request again answers the first response (header Idempotent-Replayed: true), a different one 422 idempotency_mismatch, one still running 409 idempotency_in_progress.",
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
  {
    method: "get",
    path: "/v1/keys",
    summary: "List API keys: the admin's listing has every key, anyone else's their own",
    description:
      "Never shows a key, only its first characters (prefix). lastUsedAt is updated at most once a minute.",
    query: ApiKey.list.schema,
    response: { status: 200, schema: page(ApiKey.Info), description: "A page of keys" },
  },
  {
    method: "delete",
    path: "/v1/keys/{id}",
    summary: "Revoke an API key: the next request made with it answers 401",
    description:
      "Owners may revoke their own keys, the admin any key. Another owner's key is a 404.",
    response: { status: 204, description: "Revoked" },
  },
];

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
