// A recording fake of SST's platform globals, so the real sst.config.ts and infra/*.ts run here.
import { generateKeyPairSync } from "node:crypto";
import path from "node:path";
import { vi } from "vitest";

export const root = path.resolve(import.meta.dirname, "../..");

const ACCOUNT = "123456789012";
const REGION = "us-east-1";

/** A Pulumi Output stand-in: a promise with `apply`. */
export class FakeOutput<T> {
  constructor(readonly promise: Promise<T>) {}
  apply<U>(fn: (value: T) => unknown): FakeOutput<U> {
    return new FakeOutput(this.promise.then(async (value) => (await settle(fn(value))) as U));
  }
}

const known = <T>(value: T) => new FakeOutput(Promise.resolve(value));

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" &&
  value !== null &&
  [Object.prototype, null].includes(Object.getPrototypeOf(value));

/** Resolves every Output and promise inside arrays and plain objects, as pulumi.output does. */
export async function settle(value: unknown): Promise<unknown> {
  if (value instanceof FakeOutput || value instanceof Promise) {
    return settle(await (value instanceof FakeOutput ? value.promise : value));
  }
  if (Array.isArray(value)) return Promise.all(value.map(settle));
  if (isPlainObject(value)) {
    const entries = await Promise.all(
      Object.entries(value).map(async ([key, inner]) => [key, await settle(inner)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

/** One constructor call (or method call, such as `notify`) the infra made. */
export interface Recorded {
  type: string;
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: the args are what the infra passed, asserted in tests
  args: any;
  instance: FakeResource;
}

export class FakeResource {
  readonly record: Recorded;
  constructor(
    record: Omit<Recorded, "instance">,
    private readonly recorder: Recorded[],
  ) {
    this.record = { ...record, instance: this };
    recorder.push(this.record);
  }
  protected output(property: string): FakeOutput<string> {
    const { type, name } = this.record;
    return known(`fake:${type}:${name}:${property}`);
  }
  protected arnOf(service: string, resource: string) {
    return known(`arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`);
  }
  protected call(type: string, name: string, args: unknown) {
    return new FakeResource({ type, name, args }, this.recorder);
  }
}

/** A throwaway RSA key: `sst secret set CdnPrivateKey` stores one like it. */
export const testPrivateKey = generateKeyPairSync("rsa", { modulusLength: 2048 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();

/** Installs the fake globals, evaluates sst.config.ts, then runs `app()` and `run()`. */
export async function deploy(
  options: { stage?: string; env?: Record<string, string>; dev?: boolean } = {},
) {
  const stage = options.stage ?? "test";
  const recorded: Recorded[] = [];
  const make = (type: string) =>
    class extends FakeResource {
      constructor(name: string, args: unknown = {}) {
        super({ type, name, args }, recorded);
      }
    };
  const out = (value: string) => known(value);

  class FakeFunction extends make("sst:aws:Function") {
    get name() {
      return out(`rushes-${stage}-${this.record.name}`);
    }
    get arn() {
      return this.arnOf("lambda", `function:rushes-${stage}-${this.record.name}`);
    }
    get url() {
      // SST throws for a function without `url`; so does the fake.
      if (!this.record.args.url) throw new Error(`${this.record.name} has no function URL`);
      return out(`https://${this.record.name.toLowerCase()}.lambda-url.${REGION}.on.aws/`);
    }
  }
  class Bucket extends make("sst:aws:Bucket") {
    private notified = false;
    /** What SST's Bucket links: its name (its `include` grants s3:* on every object). */
    linkProperties() {
      return { name: this.name };
    }
    get name() {
      return out(`rushes-${stage}-${this.record.name.toLowerCase()}-abc123`);
    }
    get arn() {
      return out(`arn:aws:s3:::rushes-${stage}-${this.record.name.toLowerCase()}-abc123`);
    }
    get nodes() {
      return {
        bucket: {
          bucketRegionalDomainName: out(
            `rushes-${stage}-${this.record.name.toLowerCase()}-abc123.s3.${REGION}.amazonaws.com`,
          ),
        },
      };
    }
    notify(args: unknown) {
      // As in SST: a second call would replace the bucket's whole notification configuration.
      if (this.notified) throw new Error(`notify called twice on ${this.record.name}`);
      this.notified = true;
      return this.call("sst:aws:BucketNotification", `${this.record.name}Notifications`, args);
    }
  }
  class Queue extends make("sst:aws:Queue") {
    private subscribed = false;
    /** What linking a queue grants, as SST's Queue.getSSTLink includes it: sqs:* on the queue. */
    linkGrants() {
      return [{ actions: ["sqs:*"], resources: [this.arn] }];
    }
    get arn() {
      return this.arnOf("sqs", `rushes-${stage}-${this.record.name}`);
    }
    get url() {
      return out(
        `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/rushes-${stage}-${this.record.name}`,
      );
    }
    subscribe(subscriber: unknown, args: unknown = {}) {
      if (this.subscribed) throw new Error(`${this.record.name} already has its one subscriber`);
      this.subscribed = true;
      return this.call("sst:aws:QueueLambdaSubscriber", `${this.record.name}Subscriber`, {
        subscriber,
        ...(args as object),
      });
    }
  }
  class Dynamo extends make("sst:aws:Dynamo") {
    get name() {
      return this.output("name");
    }
    get arn() {
      return this.arnOf("dynamodb", `table/rushes-${stage}-${this.record.name}`);
    }
  }
  class SnsTopic extends make("sst:aws:SnsTopic") {
    get arn() {
      return this.arnOf("sns", `rushes-${stage}-${this.record.name}`);
    }
    subscribeQueue(name: string, queue: unknown, args: unknown = {}) {
      return this.call("sst:aws:SnsTopicQueueSubscriber", name, {
        topic: this.record.name,
        queue,
        ...(args as object),
      });
    }
  }
  class StaticSite extends make("sst:aws:StaticSite") {
    get url() {
      return out(options.dev ? this.record.args.dev?.url : "https://d111111abcdef8.cloudfront.net");
    }
  }
  class Cron extends make("sst:aws:Cron") {}
  class Secret extends make("sst:sst:Secret") {
    get value() {
      // The CDN derives its public key from this one, so it must be a real PEM.
      if (this.record.name === "CdnPrivateKey") return known(testPrivateKey);
      return this.output("value");
    }
  }
  class Bus extends make("sst:aws:Bus") {
    static subscribe(name: string, busArn: unknown, subscriber: unknown, args: unknown = {}) {
      const record = {
        type: "sst:aws:BusSubscription",
        name,
        args: { busArn, subscriber, ...(args as object) },
      };
      return known(new FakeResource(record, recorded));
    }
  }
  class Role extends make("aws:iam/role:Role") {
    get arn() {
      return out(`arn:aws:iam::${ACCOUNT}:role/${this.record.name}`);
    }
    get name() {
      return out(this.record.name);
    }
  }
  class RolePolicy extends make("aws:iam/rolePolicy:RolePolicy") {}
  class Linkable extends make("sst:sst:Linkable") {
    get properties() {
      return this.record.args.properties;
    }
    linkProperties() {
      return this.record.args.properties;
    }
  }
  const withId = (type: string) =>
    class extends make(type) {
      get id() {
        return this.output("id");
      }
    };
  class Distribution extends make("aws:cloudfront/distribution:Distribution") {
    get id() {
      return out(`E${this.record.name.toUpperCase()}`);
    }
    get arn() {
      return out(`arn:aws:cloudfront::${ACCOUNT}:distribution/E${this.record.name.toUpperCase()}`);
    }
    get domainName() {
      return out("d2222222abcdef8.cloudfront.net");
    }
  }

  const strict = <T extends object>(label: string, target: T): T =>
    new Proxy(target, {
      get(object, key) {
        if (typeof key === "symbol" || key in object) return Reflect.get(object, key);
        throw new Error(`the infra fake has no ${label}.${key}: add it to test/infra/fake.ts`);
      },
    });

  const globals = {
    sst: strict("sst", {
      aws: strict("sst.aws", {
        Function: FakeFunction,
        Bucket,
        Queue,
        Dynamo,
        SnsTopic,
        StaticSite,
        Bus,
        Cron,
      }),
      Secret,
      Linkable: Object.assign(Linkable, {
        // As SST's Linkable.env: each link's properties plus its type, as JSON, by logical name.
        env: (links: FakeResource[]) =>
          new FakeOutput(
            settle(
              Object.fromEntries(
                links.map((link) => {
                  const { type, name } = link.record;
                  const properties = (link as unknown as { linkProperties?: () => unknown })
                    .linkProperties;
                  if (!properties) throw new Error(`the infra fake cannot link ${type} ${name}`);
                  return [`SST_RESOURCE_${name}`, { ...(properties.call(link) as object), type }];
                }),
              ),
            ).then((env) =>
              Object.fromEntries(
                Object.entries(env as Record<string, { type: string }>).map(([key, value]) => [
                  key,
                  JSON.stringify({ ...value, type: value.type.replaceAll(":", ".") }),
                ]),
              ),
            ),
          ),
      }),
    }),
    aws: strict("aws", {
      cloudfront: strict("aws.cloudfront", {
        PublicKey: withId("aws:cloudfront/publicKey:PublicKey"),
        KeyGroup: withId("aws:cloudfront/keyGroup:KeyGroup"),
        OriginAccessControl: withId("aws:cloudfront/originAccessControl:OriginAccessControl"),
        CachePolicy: withId("aws:cloudfront/cachePolicy:CachePolicy"),
        ResponseHeadersPolicy: withId("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"),
        Distribution,
      }),
      iam: strict("aws.iam", { Role, RolePolicy }),
      cloudwatch: strict("aws.cloudwatch", {
        getEventBusOutput: ({ name }: { name: string }) =>
          Object.assign(known({ name }), {
            arn: known(`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`),
          }),
      }),
    }),
    $util: strict("$util", { output: (value: unknown) => new FakeOutput(settle(value)) }),
    $interpolate: (literals: TemplateStringsArray, ...values: unknown[]) =>
      new FakeOutput(
        settle(values).then((settled) =>
          literals.reduce(
            (text, literal, i) => text + String((settled as unknown[])[i - 1]) + literal,
          ),
        ),
      ),
    $jsonStringify: (value: unknown) =>
      new FakeOutput(settle(value).then((v) => JSON.stringify(v))),
    $config: (config: unknown) => config,
    $dev: options.dev ?? false,
    $app: undefined as unknown,
  };

  const saved = { ...process.env };
  const savedGlobals = Object.getOwnPropertyDescriptors(globalThis);
  Object.assign(process.env, options.env);
  Object.assign(globalThis, globals);
  vi.resetModules();
  try {
    const config = (await import(/* @vite-ignore */ path.join(root, "sst.config.ts"))).default as {
      app(input: { stage: string }): { name: string; removal: string; protect: boolean };
      run(): Promise<Record<string, unknown>>;
    };
    const app = config.app({ stage });
    Object.assign(globalThis, { $app: { ...app, stage } });
    const outputs = await settle(await config.run());
    return new Deployment(app, outputs as Record<string, unknown>, recorded);
  } finally {
    // The infra has run by now; leave no fake globals behind for other test files.
    for (const key of Object.keys(globals)) {
      if (key in savedGlobals) Object.defineProperty(globalThis, key, savedGlobals[key]!);
      else delete (globalThis as Record<string, unknown>)[key];
    }
    for (const key of Object.keys(options.env ?? {})) {
      if (key in saved) process.env[key] = saved[key];
      else delete process.env[key];
    }
  }
}

export class Deployment {
  constructor(
    readonly app: { name: string; removal: string; protect: boolean },
    readonly outputs: Record<string, unknown>,
    readonly recorded: Recorded[],
  ) {}

  all(type: string) {
    return this.recorded.filter((r) => r.type === type);
  }

  one(type: string, name: string) {
    const matches = this.recorded.filter((r) => r.type === type && r.name === name);
    if (matches.length !== 1)
      throw new Error(`expected one ${type} "${name}", found ${matches.length}`);
    return matches[0]!;
  }

  /** A resource's output, resolved: `output("sst:aws:Function", "Api", "url")`. */
  output(type: string, name: string, property: string) {
    return settle((this.one(type, name).instance as unknown as Record<string, unknown>)[property]);
  }

  /** The logical name of a recorded resource, given the instance the infra passed around. */
  nameOf(instance: unknown) {
    const match = this.recorded.find((r) => r.instance === instance);
    if (!match) throw new Error(`not a resource the infra created: ${String(instance)}`);
    return match.name;
  }

  typeOf(instance: unknown) {
    return this.recorded.find((r) => r.instance === instance)?.type;
  }

  /**
   * A function's IAM rights, resolved: its `permissions` and what its links include, for the
   * kinds the fake models (`linkGrants`, queues only so far).
   */
  async grants(name: string): Promise<{ actions: string[]; resources: string[] }[]> {
    const args = this.one("sst:aws:Function", name).args;
    const linked = ((args.link ?? []) as { linkGrants?: () => unknown[] }[]).flatMap(
      (r) => r.linkGrants?.() ?? [],
    );
    return (await settle([...(args.permissions ?? []), ...linked])) as {
      actions: string[];
      resources: string[];
    }[];
  }
}

/** Whether an IAM action pattern (`sqs:*`, `sqs:Send*`, `*`) covers `action`. */
export function covers(pattern: string, action: string) {
  return pattern.endsWith("*") ? action.startsWith(pattern.slice(0, -1)) : pattern === action;
}
