// Runs sst.config.ts, as it is, on SST's own platform code under Pulumi's mock runtime, as
// `sst deploy` would run it: the same globals, the same run() wrapper and its transformations.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type * as Pulumi from "@pulumi/pulumi";
import { vi } from "vitest";
import { type BuildRecord, startRpc } from "./build";
import { ACCOUNT, createMocks, type Registered } from "./mocks";
import { platformDir, programRoot, root } from "./platform";

export { root };

export type PolicyDocument = { Version?: string; Statement: Array<Record<string, unknown>> };
export interface StackResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}
export interface Stack {
  resources: StackResource[];
  outputs: Record<string, unknown>;
}

/** One SST component the program made, with the args it was given (functions and all). */
export interface ComponentRecord {
  type: string;
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: the args the infra passed, asserted in tests
  args: any;
}

export interface DeployedStack extends Stack {
  stage: string;
  app: { name: string; removal: string; protect: boolean; home: string };
  /** SST components, in the order they were made, with their args. */
  components: ComponentRecord[];
  /** What SST's build step was asked to build, by function component name. */
  builds: Record<string, BuildRecord>;
  /** Resources made but never registered, because some input of theirs never resolved. */
  pending: { type: string; name: string }[];
  /** Stack outputs (run()'s return value) that never resolved. */
  unresolved: string[];
}

export interface DeployOptions {
  stage?: string;
  env?: Record<string, string>;
  /** `sst dev` rather than `sst deploy`. */
  dev?: boolean;
}

/** A throwaway RSA key: `sst secret set CdnPrivateKey` stores one like it. */
export const testPrivateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

/** The values `sst secret set` would have given this stage. */
export const testSecrets: Record<string, string> = {
  AdminKey: "test-admin-key",
  WebhookKey: "test-webhook-key",
  CdnPrivateKey: testPrivateKey,
};

/** How long the whole program may take to settle; a deadlock shows as what is still pending. */
const DEADLINE_MS = 30_000;

const cache = new Map<string, Promise<DeployedStack>>();
let queue: Promise<unknown> = Promise.resolve();

/**
 * Deploys the stack under the mocks; cached per options. Runs one at a time: Pulumi's runtime
 * state is global to the process.
 */
export function deployStack(opts: DeployOptions = {}): Promise<DeployedStack> {
  const key = JSON.stringify([opts.stage ?? "test", opts.env ?? {}, opts.dev ?? false]);
  let deployed = cache.get(key);
  if (!deployed) {
    deployed = queue.then(() => run(opts));
    queue = deployed.catch(() => {});
    cache.set(key, deployed);
  }
  return deployed;
}

let started: Promise<{ work: string; rpc: Awaited<ReturnType<typeof startRpc>> }> | undefined;

/** The CLI's side of a deploy, once per test file: its work directory and its RPC server. */
function cli() {
  started ??= (async () => {
    const work = mkdtempSync(path.join(tmpdir(), "rushes-sst-work-"));
    process.once("exit", () => rmSync(work, { recursive: true, force: true }));
    return { work, rpc: await startRpc(work) };
  })();
  return started;
}

const withDeadline = <T>(promise: Promise<T>, ms: number) =>
  Promise.race([
    promise.then((value) => ({ done: true as const, value })),
    new Promise<{ done: false }>((resolve) => setTimeout(() => resolve({ done: false }), ms)),
  ]);

const debugStart = Date.now();
const debug = (what: string) => {
  if (process.env.RUSHES_INFRA_DEBUG) console.log(`[infra] ${Date.now() - debugStart} ms: ${what}`);
};

async function run(opts: DeployOptions): Promise<DeployedStack> {
  const stage = opts.stage ?? "test";
  const platform = platformDir();
  const { work, rpc } = await cli();
  for (const key of Object.keys(rpc.builds)) delete rpc.builds[key];
  const registered: Registered[] = [];
  const constructed: { type: string; name: string }[] = [];
  const components: ComponentRecord[] = [];

  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(testSecrets).map(([k, v]) => [`SST_SECRET_${k}`, v])),
    SST_SERVER: rpc.url,
    SST_AWS_REGION: "us-east-1",
    ...opts.env,
  };
  const savedEnv = { ...process.env };
  const g = globalThis as Record<string, unknown>;
  Object.assign(process.env, env);
  vi.resetModules();
  try {
    const pulumi = await import("@pulumi/pulumi");
    await pulumi.runtime.setMocks(createMocks(registered), "rushes", stage, false);
    // The mock monitor puts the root stack's type into its children's URNs; the engine does not
    // (urn:pulumi:<stage>::rushes::sst:aws:Bucket::Media), and SST reads a link's type from it.
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      newUrn(parent: string, type: string, name: string): string;
    };
    const newUrn = monitor.newUrn.bind(monitor);
    monitor.newUrn = (parent, type, name) =>
      newUrn(parent?.includes("::pulumi:pulumi:Stack::") ? "" : parent, type, name);
    g.$dev = opts.dev ?? false;
    g.$cli = {
      command: opts.dev ? "dev" : "deploy",
      rpc: rpc.url,
      paths: { home: work, root: programRoot(), work, platform },
      home: "aws",
      state: { version: {} },
    };
    // The globals SST's run wrapper puts in scope ($interpolate, $util, $transform, ...).
    const shim = await import(/* @vite-ignore */ path.join(platform, "src/shim/run.js"));
    Object.assign(g, shim);
    // `sst` is the platform's components/index.ts, less the Cloudflare and Vercel providers
    // (whose Pulumi packages a home of "aws" never loads, and this repo does not install).
    const components$ = path.join(platform, "src/components");
    const [awsComponents, secret, linkable] = await Promise.all([
      import(/* @vite-ignore */ path.join(components$, "aws/index.ts")),
      import(/* @vite-ignore */ path.join(components$, "secret.ts")),
      import(/* @vite-ignore */ path.join(components$, "linkable.ts")),
    ]);
    // Secret and Linkable declare no __pulumiType for $transform to hook: record their args
    // through a subclass, which SST's own instanceof checks still accept.
    // biome-ignore lint/suspicious/noExplicitAny: a mixin's constructor takes any[]
    const recorded = <C extends new (...args: any[]) => object>(Base: C, type: string) =>
      class extends Base {
        // biome-ignore lint/suspicious/noExplicitAny: the constructor's own arguments
        constructor(...args: any[]) {
          super(...args);
          components.push({ type, name: args[0], args: args[1] ?? {} });
        }
      };
    g.sst = {
      aws: awsComponents,
      ...secret,
      ...linkable,
      Secret: recorded(secret.Secret, "sst:sst:Secret"),
      Linkable: recorded(linkable.Linkable, "sst:sst:Linkable"),
    };
    g.aws = await import("@pulumi/aws");
    for (const Class of [
      ...Object.values(awsComponents),
      ...Object.values(secret),
      ...Object.values(linkable),
    ]) {
      const type = (Class as { __pulumiType?: string })?.__pulumiType;
      if (typeof type !== "string" || !type.startsWith("sst:")) continue;
      (shim.$transform as (c: unknown, cb: (args: unknown, o: unknown, n: string) => void) => void)(
        Class,
        (args, _opts, name) => components.push({ type, name, args }),
      );
    }

    debug("globals ready");
    const config = (await import(/* @vite-ignore */ path.join(root, "sst.config.ts"))).default as {
      app(input: { stage: string }): DeployedStack["app"];
      run(): Promise<Record<string, unknown>>;
    };
    const app = config.app({ stage });
    g.$app = { ...app, stage, providers: { aws: { region: "us-east-1" } } };
    const { run: sstRun } = await import(/* @vite-ignore */ path.join(platform, "src/auto/run.ts"));

    let outputs: Record<string, unknown> = {};
    let failure: { error: unknown } | undefined;
    let returned: Record<string, unknown> | undefined;
    const program = pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        constructed.push({ type: args.type, name: args.name });
        return undefined;
      });
      // A failing program (a bad setting) fails the deploy; caught here, rethrown below, so
      // that the stack's own promises do not reject unhandled.
      try {
        returned = (await sstRun(() => config.run())) as Record<string, unknown>;
        watch(returned);
        return returned;
      } catch (error) {
        failure = { error };
        return {};
      }
    });
    // Settled: the program returned, no RPC is outstanding, and every resource made has been
    // registered. Outputs that wait on each other never get there; the deadline names them.
    const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;
    const pendingNow = () => {
      const done = new Set(registered.map(key));
      return constructed.filter((c) => !done.has(key(c)));
    };
    // The program returns its outputs at once (Outputs); the stack resolves them. Which resolved:
    const resolvedKeys = new Set<string>();
    const watch = (values: Record<string, unknown>) => {
      for (const [name, value] of Object.entries(values)) {
        (pulumi.output(value as Pulumi.Input<unknown>) as Pulumi.Output<unknown>).apply(() =>
          resolvedKeys.add(name),
        );
      }
    };
    const settle = async () => {
      const value = await program;
      if (failure) return value;
      for (;;) {
        // Exported by the runtime, though not in its typings.
        await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        if (pendingNow().length === 0) return value;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const settled = await withDeadline(settle(), DEADLINE_MS);
    debug("settled");
    if (failure) throw failure.error;
    const unresolved: string[] = [];
    if (settled.done) outputs = (settled.value ?? {}) as Record<string, unknown>;
    else {
      for (const name of Object.keys(returned ?? {})) {
        if (!resolvedKeys.has(name)) unresolved.push(name);
      }
      if (!returned) unresolved.push("(run() itself never returned)");
    }
    delete outputs._protect;
    const pending = pendingNow();
    return {
      stage,
      app,
      resources: registered
        .filter((r) => r.type !== "pulumi:pulumi:Stack")
        .map(({ type, name, inputs, state }) => ({ type, name, inputs, state })),
      outputs,
      components,
      builds: { ...rpc.builds },
      pending,
      unresolved,
    };
  } finally {
    // SST's globals stay: whatever never settled may still run, and reads them. The settings
    // given for this deploy go.
    for (const key of Object.keys(opts.env ?? {})) {
      if (key in savedEnv) process.env[key] = savedEnv[key];
      else delete process.env[key];
    }
  }
}

// ---- Reading the deployed stack ----

/** The one resource of `type` named `name` (physical resources are named after their component). */
export function resource(stack: Stack, type: string, name: string): StackResource {
  const matches = stack.resources.filter((r) => r.type === type && r.name === name);
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} "${name}", found ${matches.length}`);
  }
  return matches[0]!;
}

export function resources(stack: Stack, type: string): StackResource[] {
  return stack.resources.filter((r) => r.type === type);
}

/** The args the infra gave the SST component `name` of `type`. */
export function component(stack: DeployedStack, type: string, name: string): ComponentRecord {
  const matches = stack.components.filter((c) => c.type === type && c.name === name);
  if (matches.length !== 1) {
    throw new Error(`expected one ${type} component "${name}", found ${matches.length}`);
  }
  return matches[0]!;
}

/** SST's physical resource behind each component kind, and the state field holding its ARN. */
const physical: Array<[string, (name: string) => string, string]> = [
  ["aws:s3/bucketV2:BucketV2", (n) => `${n}Bucket`, "arn"],
  ["aws:s3/bucket:Bucket", (n) => `${n}Bucket`, "arn"],
  ["aws:dynamodb/table:Table", (n) => `${n}Table`, "arn"],
  ["aws:sqs/queue:Queue", (n) => `${n}Queue`, "arn"],
  ["aws:sns/topic:Topic", (n) => `${n}Topic`, "arn"],
  ["aws:lambda/function:Function", (n) => `${n}Function`, "arn"],
  ["aws:iam/role:Role", (n) => n, "arn"],
  ["aws:cloudfront/distribution:Distribution", (n) => n, "arn"],
];

/** The physical ARN of an SST component by its name ("Media", "Table", "ClipQueue", ...). */
export function arnOf(stack: Stack, name: string): string {
  for (const [type, physicalName, field] of physical) {
    const found = stack.resources.find((r) => r.type === type && r.name === physicalName(name));
    if (found) return String(found.state[field]);
  }
  throw new Error(`no resource with an ARN for the component "${name}"`);
}

const parse = (policy: unknown): PolicyDocument =>
  (typeof policy === "string" ? JSON.parse(policy) : policy) as PolicyDocument;

/** The documents of AWS managed policies SST attaches, as AWS publishes them. */
export const managedPolicies: Record<string, PolicyDocument> = {
  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: "*",
      },
    ],
  },
};

/** The SST component names of every sst.aws.Function, with its role's logical name. */
function functionRoles(stack: Stack) {
  return stack.resources
    .filter((r) => r.type === "aws:lambda/function:Function")
    .map((fn) => {
      const name = fn.name.replace(/Function$/, "");
      const role = stack.resources.find(
        (r) => r.type === "aws:iam/role:Role" && r.state.arn === fn.inputs.role,
      );
      return { name, role };
    });
}

/**
 * Identity policies attached to each sst.aws.Function's role (inline + RolePolicy + managed
 * documents that can be resolved), keyed by the SST component name.
 */
export function functionPolicies(stack: Stack): Record<string, PolicyDocument[]> {
  const out: Record<string, PolicyDocument[]> = {};
  for (const { name, role } of functionRoles(stack)) {
    if (!role) throw new Error(`no role found for the function ${name}`);
    out[name] = rolePolicies(stack, role);
  }
  return out;
}

function rolePolicies(stack: Stack, role: StackResource): PolicyDocument[] {
  const docs: PolicyDocument[] = [];
  for (const inline of (role.inputs.inlinePolicies as { policy?: string }[] | undefined) ?? []) {
    if (inline.policy) docs.push(parse(inline.policy));
  }
  for (const rp of stack.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy")) {
    if (rp.inputs.role === role.state.name || rp.inputs.role === role.state.id) {
      docs.push(parse(rp.inputs.policy));
    }
  }
  for (const arn of (role.inputs.managedPolicyArns as string[] | undefined) ?? []) {
    const known = managedPolicies[arn];
    if (!known) throw new Error(`unknown managed policy ${arn} on ${role.name}`);
    docs.push(known);
  }
  return docs;
}

/**
 * Resource policies: the bucket policy, queue policies by SST name, topic policies, and the
 * MediaConvert role's policies (when the stage uses MediaConvert).
 */
export function resourcePolicies(stack: Stack): {
  bucket?: PolicyDocument;
  queues: Record<string, PolicyDocument>;
  topics: Record<string, PolicyDocument>;
  mediaConvertRole?: PolicyDocument[];
} {
  // The Media bucket's, as SST names it (the web site's assets bucket has its own).
  const media = resources(stack, "aws:s3/bucketPolicy:BucketPolicy").filter(
    (p) => p.inputs.bucket === resource(stack, "aws:s3/bucket:Bucket", "MediaBucket").state.bucket,
  );
  if (media.length > 1) throw new Error("more than one policy on the Media bucket");
  const queues: Record<string, PolicyDocument> = {};
  for (const q of resources(stack, "aws:sqs/queuePolicy:QueuePolicy")) {
    const queue = stack.resources.find(
      (r) => r.type === "aws:sqs/queue:Queue" && r.state.url === q.inputs.queueUrl,
    );
    queues[queue ? queue.name.replace(/Queue$/, "") : q.name] = parse(q.inputs.policy);
  }
  const topics: Record<string, PolicyDocument> = {};
  for (const t of resources(stack, "aws:sns/topicPolicy:TopicPolicy")) {
    const topic = stack.resources.find(
      (r) => r.type === "aws:sns/topic:Topic" && r.state.arn === t.inputs.arn,
    );
    topics[topic ? topic.name.replace(/Topic$/, "") : t.name] = parse(t.inputs.policy);
  }
  const role = stack.resources.find(
    (r) => r.type === "aws:iam/role:Role" && r.name === "MediaConvertRole",
  );
  return {
    bucket: media[0] && parse(media[0].inputs.policy),
    queues,
    topics,
    mediaConvertRole: role && rolePolicies(stack, role),
  };
}

export { ACCOUNT };

// ---- Shortcuts for the tests ----

// biome-ignore lint/suspicious/noExplicitAny: resource inputs, asserted in tests
type Loose = any;

/** The args the infra gave the sst.aws.Function `name`. */
export const fnArgs = (stack: DeployedStack, name: string): Loose =>
  component(stack, "sst:aws:Function", name).args;

/** The Lambda function SST deployed for the component `name`, as its inputs. */
export const lambdaOf = (stack: Stack, name: string): Loose =>
  resource(stack, "aws:lambda/function:Function", `${name}Function`).inputs;

/** The Lambda function's environment variables. */
export const envOf = (stack: Stack, name: string): Record<string, string> =>
  lambdaOf(stack, name).environment?.variables ?? {};

/** Every statement of every identity policy on the function's role. */
export const statementsOf = (stack: Stack, name: string) => {
  const docs = functionPolicies(stack)[name];
  if (!docs) throw new Error(`no function named ${name}`);
  return docs.flatMap((d) => d.Statement);
};

/** The links SST built into the function (its resource file), by name. */
export const linksOf = (stack: DeployedStack, name: string) => {
  const build = stack.builds[name];
  if (!build) throw new Error(`SST never built the function ${name}`);
  return Object.keys(build.links).sort();
};

/** The event source mapping that feeds the queue `queue` (an SST name) to a function. */
export function mappingOf(stack: Stack, queue: string): Loose {
  const arn = arnOf(stack, queue);
  const found = resources(stack, "aws:lambda/eventSourceMapping:EventSourceMapping").filter(
    (m) => m.inputs.eventSourceArn === arn,
  );
  if (found.length !== 1) throw new Error(`expected one mapping for ${queue}, ${found.length}`);
  return found[0]!.inputs;
}

const asList = (value: unknown) =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];
const glob = (pattern: string, value: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`, "i").test(
    value,
  );

/**
 * Whether some unconditional Allow statement grants `action` on `resource` (IAM's wildcards; no
 * Deny, NotAction or conditions considered: enough to pin one grant in a test).
 */
export function grants(statements: Record<string, unknown>[], action: string, resource: string) {
  return statements.some(
    (s) =>
      s.Effect === "Allow" &&
      !s.Condition &&
      asList(s.Action).some((a) => glob(String(a), action)) &&
      asList(s.Resource).some((r) => glob(String(r), resource)),
  );
}

/** Every action the statements allow, with the resources, flattened: for exact comparisons. */
export function allowed(statements: Record<string, unknown>[]) {
  return statements
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => asList(s.Action).flatMap((a) => asList(s.Resource).map((r) => `${a} ${r}`)));
}
