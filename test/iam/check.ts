// The IAM check: every AWS request the functions made (core/src/aws-record) evaluated against the
// policies the stack grants, and every grant no request used.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import type { AwsRecord } from "../../packages/core/src/aws-record";

export type Entry = AwsRecord.Entry;
export type PolicyDocument = { Version?: string; Statement: Array<Record<string, unknown>> };

/** What the check needs of the mocked stack (test/infra/stack.ts provides it). */
export interface Grants {
  /** Identity policies by SST Function name. */
  functions: Record<string, PolicyDocument[]>;
  bucket?: PolicyDocument;
  queues: Record<string, PolicyDocument>;
  topics: Record<string, PolicyDocument>;
  /** The physical ARN of an SST component ("Media", "Table", "ClipQueue", …). */
  arnOf(component: string): string;
}

export const account = "123456789012";
export const region = "us-east-1";

/** Every entry written by every process of the run, once each. */
export function readEntries(dir: string): Entry[] {
  const seen = new Set<string>();
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
  } catch {}
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
      if (line.trim()) seen.add(line);
    }
  }
  return [...seen].map((line) => JSON.parse(line) as Entry);
}

/**
 * An object key or index as a pattern: ids (`vid_…`, `clp_…`) become `{vid}`, `{clp}`; numbers
 * `#` where they count something (`seg_00012`, `chunk-3`, `c00001`), not where they name one
 * (`mp4`, `gsi1`, `720p`). Keys that differ only there are one request as far as any policy can tell.
 */
export function pattern(path: string): string {
  return path
    .replace(/\b([a-z]{3})_[0-9A-Za-z]{10,}\b/g, "{$1}")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "{uuid}")
    .replace(/(?<![A-Za-z\d])\d+(?![A-Za-z\d])|(?<=[A-Za-z])\d{3,}(?![A-Za-z\d])/g, "#");
}

/** The ARN IAM authorises an entry on, in the mocked stack's account. */
export function arnFor(entry: Entry, arnOf: (component: string) => string): string {
  if (entry.component === "*") {
    // rushes grants CreateJob on "*"; the job itself is submitted to the default queue.
    if (entry.action.startsWith("mediaconvert:")) {
      return `arn:aws:mediaconvert:${region}:${account}:queues/Default`;
    }
    // Actions IAM authorises on no particular resource (transcribe:StartTranscriptionJob).
    return "*";
  }
  if (entry.component.startsWith("?")) {
    throw new Error(
      `${entry.function} ${entry.action}: no SST component is named ${entry.component.slice(1)}`,
    );
  }
  const arn = arnOf(entry.component);
  return entry.path !== undefined ? `${arn}/${entry.path}` : arn;
}

export interface Triple {
  function: string;
  action: string;
  /** The resource with its ids replaced (`pattern`): `Media/media/{vid}/hls/#/seg_#.m4s`. */
  resource: string;
  /** One concrete request of this shape, the one the simulator evaluates. */
  example: { arn: string; context: Record<string, string> };
}

export function triples(entries: Entry[], arnOf: (component: string) => string): Triple[] {
  const out = new Map<string, Triple>();
  for (const entry of entries) {
    const context = entry.context ?? {};
    const conditions = Object.entries(context).map(([k, v]) => ` ${k}=${pattern(v)}`);
    const path = entry.path === undefined ? "" : `/${pattern(entry.path)}`;
    const resource = `${entry.component}${path}${conditions.join("")}`;
    const id = `${entry.function}\t${entry.action}\t${resource}`;
    if (!out.has(id)) {
      out.set(id, {
        function: entry.function,
        action: entry.action,
        resource,
        example: { arn: arnFor(entry, arnOf), context },
      });
    }
  }
  return [...out.values()].sort((a, b) =>
    `${a.function} ${a.action} ${a.resource}`.localeCompare(
      `${b.function} ${b.action} ${b.resource}`,
    ),
  );
}

export interface Decision {
  triple: Triple;
  result: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Error";
  detail?: string;
}

/** The resource policy that also decides a request on this ARN, if any. */
function resourcePolicy(arn: string, grants: Grants): PolicyDocument | undefined {
  if (arn.startsWith("arn:aws:s3:::")) return grants.bucket;
  for (const [name, policy] of Object.entries({ ...grants.queues, ...grants.topics })) {
    if (grants.arnOf(name) === arn) return policy;
  }
  return undefined;
}

/** Each triple's example through the simulator, as the function's role in the stack's account. */
export async function evaluate(list: Triple[], grants: Grants): Promise<Decision[]> {
  const out: Decision[] = [];
  for (const triple of list) {
    const policies = grants.functions[triple.function];
    if (!policies) {
      out.push({ triple, result: "Error", detail: `the stack has no function ${triple.function}` });
      continue;
    }
    const resource = resourcePolicy(triple.example.arn, grants);
    const response = await runSimulation(
      {
        identityPolicies: policies.map((policy, i) => ({
          name: `${triple.function}-${i}`,
          policy,
        })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resource ? { resourcePolicy: resource } : {}),
        request: {
          principal: `arn:aws:iam::${account}:role/${triple.function}Role`,
          action: triple.action,
          resource: { resource: triple.example.arn, accountId: account },
          // SDK requests go over TLS; SST's bucket policy denies any that does not.
          contextVariables: { "aws:SecureTransport": "true", ...triple.example.context },
        },
      },
      {},
    );
    if (response.resultType === "error") {
      out.push({ triple, result: "Error", detail: JSON.stringify(response.errors) });
    } else {
      out.push({ triple, result: response.overallResult as Decision["result"] });
    }
  }
  return out;
}

/** IAM's wildcards: `*` any run of characters, `?` any one; actions compare case-insensitively. */
export function matches(glob: string, value: string, ignoreCase = false): boolean {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, ignoreCase ? "i" : "").test(value);
}

/** What the Lambda runtime itself does with a function's role (AWSLambdaBasicExecutionRole). */
export const runtimeGrant = (action: string) => action.startsWith("logs:");

export interface Grant {
  function: string;
  action: string;
  resource: string;
  /** The recorded actions this grant covers (several under a wildcard such as `dynamodb:*`). */
  usedBy: string[];
}

const list = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];

/**
 * Every (action, resource) an Allow statement of a function's identity policies names, with the
 * recorded actions it covers. Conditions are not weighed: a grant counts as used when any
 * request of the function matches its action and resource.
 */
export function grantsUse(grants: Grants, list_: Triple[]): Grant[] {
  const out: Grant[] = [];
  for (const [fn, policies] of Object.entries(grants.functions)) {
    const requests = list_.filter((t) => t.function === fn);
    for (const policy of policies) {
      for (const statement of policy.Statement) {
        if (statement.Effect !== "Allow") continue;
        for (const action of list(statement.Action)) {
          for (const resource of list(statement.Resource)) {
            const usedBy = new Set(
              requests
                .filter((r) => matches(action, r.action, true) && matches(resource, r.example.arn))
                .map((r) => r.action),
            );
            out.push({ function: fn, action, resource, usedBy: [...usedBy].sort() });
          }
        }
      }
    }
  }
  return out;
}
