import type { RouterRoute } from "hono/types";
import { findTargetHandler } from "hono/utils/handler";
import * as z from "zod";
import * as envelopes from "./envelopes";
import { type Described, described, type ErrorStatus, type Operation } from "./route";

/**
 * The OpenAPI 3.1 document, read off the routes the app serves: each route's `doc()` gives its
 * operation, its validators give the parameters and body, and zod's own JSON Schema output gives
 * the schemas. Loaded on the first request for `/openapi.json`, never at start-up.
 */

type Json = Record<string, unknown>;

const reasons: Record<ErrorStatus | 500, string> = {
  400: "Bad input: malformed JSON, or a field that fails validation (see `issues`)",
  401: "No API key, or one that is not valid",
  403: "The API key may not do this",
  404: "Not found, or owned by someone else",
  409: "Conflicts with what exists",
  413: "Too large",
  415: "Unsupported media type",
  422: "Well-formed but not possible",
  429: "Over a quota (`quota_exceeded`): the body names the quota, its usage and limit; `Retry-After` gives the seconds until time frees it, where it does",
  500: "Internal error; the body carries a `requestId` to quote",
};

/** One line per tag, shown as its section's introduction; a test fails on a tag without one. */
const tagDescriptions: Record<string, string> = {
  System: "Health and this document; no API key needed.",
  Uploads:
    "Create a video and upload its source straight to storage: a presigned POST, or resumable multipart parts for large files.",
  Videos: "Uploaded videos: status, renditions, thumbnails and history.",
  Cameras: "Cameras whose recordings are uploaded as videos with `camera.recordedAt`.",
  Clips: "Clips cut from a camera's recordings between two instants.",
  "API keys": "Keys for owners; only the admin key may create them.",
  Quotas:
    "Per-owner limits (processing at once, source minutes a day, bytes stored, clips an hour) and the usage against them.",
  Playback:
    "HLS playlists and the storyboard of a ready video, by the token in its `playback` links; no API key needed.",
  Captions:
    "Subtitle tracks of a ready video: WebVTT or SRT in, WebVTT out, listed in its HLS master.",
  Webhooks:
    "Endpoints that receive the owner's events, signed to the Standard Webhooks spec, with a delivery log and redelivery.",
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** Turns zod schemas into JSON Schema, collecting every schema with a `.meta({id})` as a component. */
class Schemas {
  readonly components: Record<string, Json> = {};

  convert(schema: z.ZodType, io: "input" | "output"): Json {
    const {
      $schema: _,
      $defs,
      ...out
    } = z.toJSONSchema(schema, {
      io,
      target: "draft-2020-12",
      unrepresentable: "any",
      cycles: "ref",
      reused: "inline",
    }) as Json & { $defs?: Record<string, Json> };
    // Name every definition first (refs between them must use the final names), then store them.
    const renames: Record<string, string> = {};
    for (const [name, def] of Object.entries($defs ?? {})) {
      renames[name] = this.nameFor(name, this.rewrite(def, {}) as Json, io);
    }
    for (const [name, def] of Object.entries($defs ?? {})) {
      this.components[renames[name]!] = this.rewrite(def, renames) as Json;
    }
    return this.rewrite(out, renames) as Json;
  }

  /** One component per id; an input shape that differs from its output gets its own name. */
  private nameFor(name: string, def: Json, io: "input" | "output"): string {
    const existing = this.components[name];
    if (!existing || JSON.stringify(existing) === JSON.stringify(def)) return name;
    return io === "input" ? `${name}Input` : `${name}Output`;
  }

  private rewrite(value: unknown, renames: Record<string, string>): unknown {
    if (Array.isArray(value)) return value.map((v) => this.rewrite(v, renames));
    if (!value || typeof value !== "object") return value;
    const out: Json = {};
    for (const [field, v] of Object.entries(value)) {
      if (field === "$ref" && typeof v === "string" && v.startsWith("#/$defs/")) {
        const name = v.slice("#/$defs/".length);
        out.$ref = ref(renames[name] ?? name).$ref;
      } else if (field === "id" && typeof v === "string") {
        // zod copies `.meta({id})` into the output; the component's name already says it.
      } else {
        out[field] = this.rewrite(v, renames);
      }
    }
    return out;
  }

  /** A top-level `{$ref}` to its component, to read a query schema's properties. */
  resolve(schema: Json): Json {
    const target = typeof schema.$ref === "string" ? schema.$ref.split("/").pop() : undefined;
    return target ? (this.components[target] ?? schema) : schema;
  }
}

/** The docs and validators attached to one method and path, in the order they run. */
interface Entry {
  method: string;
  path: string;
  operation?: Extract<Described, { kind: "operation" }>;
  inputs: Extract<Described, { kind: "input" }>[];
}

function collect(routes: RouterRoute[]): Entry[] {
  const entries = new Map<string, Entry>();
  for (const route of routes) {
    if (route.method === "ALL") continue;
    const meta = (findTargetHandler(route.handler) as { [described]?: Described })[described];
    const path = route.path.replace(/:(\w+)/g, "{$1}");
    const signature = `${route.method} ${path}`;
    const entry = entries.get(signature) ?? {
      method: route.method.toLowerCase(),
      path,
      inputs: [],
    };
    entries.set(signature, entry);
    if (meta?.kind === "operation") entry.operation = meta;
    if (meta?.kind === "input") entry.inputs.push(meta);
  }
  return [...entries.values()];
}

async function operation(entry: Entry, schemas: Schemas): Promise<Json | undefined> {
  if (!entry.operation) return undefined;
  const {
    tag,
    operation: op,
    load,
  } = entry.operation as {
    tag: string;
    operation: Operation<unknown>;
    load: () => Promise<unknown>;
  };
  const parameters: Json[] = [...entry.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  let requestBody: Json | undefined;
  for (const input of entry.inputs) {
    const schema = schemas.convert(await input.schema(), "input");
    if (input.target === "json") {
      requestBody = {
        required: true,
        content: {
          "application/json": {
            schema,
            ...(op.example === undefined ? {} : { examples: { example: { value: op.example } } }),
          },
        },
      };
    } else {
      const object = schemas.resolve(schema);
      const required = new Set((object.required as string[] | undefined) ?? []);
      for (const [name, property] of Object.entries((object.properties ?? {}) as Json)) {
        const { description, ...rest } = property as Json;
        parameters.push({
          name,
          in: input.target === "param" ? "path" : input.target,
          required: input.target === "param" || required.has(name),
          ...(typeof description === "string" ? { description } : {}),
          schema: rest,
        });
      }
    }
  }
  if (op.body) {
    requestBody = {
      required: true,
      description: op.body.description,
      content: Object.fromEntries(
        op.body.contentTypes.map((type) => [
          type,
          {
            schema: { type: "string" },
            ...(op.body?.examples?.[type] === undefined
              ? {}
              : { examples: { example: { value: op.body.examples[type] } } }),
          },
        ]),
      ),
    };
  }
  const errors = new Set<ErrorStatus | 500>(op.errors ?? []);
  if (op.auth !== false) errors.add(401);
  if (entry.inputs.length) errors.add(400);
  if (requestBody) for (const status of [400, 413, 415] as const) errors.add(status);
  errors.add(500);
  const body = op.response.schema
    ? schemas.convert(op.response.schema(await load(), envelopes), "output")
    : undefined;
  const errorBody = schemas.convert(envelopes.ErrorBody, "output");
  return {
    operationId: op.operationId,
    tags: [tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.auth === false ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: {
      [op.response.status]: {
        description: op.response.description,
        ...(body ? { content: { "application/json": { schema: body } } } : {}),
      },
      ...Object.fromEntries(
        [...errors].sort().map((status) => [
          status,
          {
            description: reasons[status],
            content: { "application/json": { schema: errorBody } },
          },
        ]),
      ),
    },
  };
}

export interface Document {
  openapi: "3.1.0";
  paths: Record<string, Record<string, Json>>;
  [key: string]: unknown;
}

/** Builds the document from the routes an app serves; the caller adds `servers`. */
export async function openapi(routes: RouterRoute[]): Promise<Document> {
  const schemas = new Schemas();
  const paths: Document["paths"] = {};
  const tags = new Set<string>();
  for (const entry of collect(routes)) {
    const op = await operation(entry, schemas);
    if (!op) continue;
    for (const tag of op.tags as string[]) tags.add(tag);
    paths[entry.path] ??= {};
    paths[entry.path]![entry.method] = op;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "rushes",
      version: "1.0.0",
      description:
        "Serverless video: presigned uploads, web renditions and thumbnails, camera clips. Send `Authorization: Bearer <API key>` on every `/v1` route.",
      license: { name: "MIT", identifier: "MIT" },
    },
    tags: [...tags].map((name) => ({
      name,
      ...(tagDescriptions[name] ? { description: tagDescriptions[name] } : {}),
    })),
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: schemas.components,
    },
    security: [{ bearer: [] }],
    paths,
  };
}
