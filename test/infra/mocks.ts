// What AWS would answer: realistic state for each resource SST's components create, and the
// provider calls they make, in us-east-1 for account 123456789012.
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

export const REGION = "us-east-1";
export const ACCOUNT = "123456789012";

const short = (text: string, length = 8) =>
  createHash("sha256").update(text).digest("hex").slice(0, length);

/** Pulumi's auto-naming, made deterministic: the logical name plus a suffix. */
const autoName = (name: string, max = 64) => `${name.slice(0, max - 8)}-${short(name, 7)}`;

type State = Record<string, unknown>;

/** An IAM policy document, as aws.iam.getPolicyDocument renders its `statements`. */
export function renderPolicyDocument(inputs: Record<string, unknown>) {
  const list = (value: unknown) => {
    const items = (value as string[] | undefined) ?? [];
    return items.length === 1 ? items[0] : items;
  };
  const statements = ((inputs.statements as Record<string, unknown>[] | undefined) ?? []).map(
    (s) => {
      const out: Record<string, unknown> = {};
      if (s.sid) out.Sid = s.sid;
      out.Effect = s.effect ?? "Allow";
      if (s.actions) out.Action = list(s.actions);
      if (s.notActions) out.NotAction = list(s.notActions);
      if (s.resources) out.Resource = list(s.resources);
      if (s.notResources) out.NotResource = list(s.notResources);
      const principals = s.principals as { type: string; identifiers: string[] }[] | undefined;
      if (principals?.length) {
        // As the AWS provider writes it: anyone is the bare "*", the one spelling IAM accepts.
        out.Principal = principals.some((p) => p.type === "*")
          ? "*"
          : Object.fromEntries(principals.map((p) => [p.type, list(p.identifiers)] as const));
      }
      const conditions = s.conditions as
        | { test: string; variable: string; values: string[] }[]
        | undefined;
      if (conditions?.length) {
        const condition: Record<string, Record<string, unknown>> = {};
        for (const c of conditions) {
          condition[c.test] = { ...condition[c.test], [c.variable]: list(c.values) };
        }
        out.Condition = condition;
      }
      return out;
    },
  );
  // As the provider merges them: the source documents' statements first, then these; a statement
  // with the Sid of an earlier one replaces it.
  const merged: Record<string, unknown>[] = [];
  const add = (statement: Record<string, unknown>) => {
    const same = statement.Sid ? merged.findIndex((m) => m.Sid === statement.Sid) : -1;
    if (same >= 0) merged[same] = statement;
    else merged.push(statement);
  };
  for (const source of (inputs.sourcePolicyDocuments as string[] | undefined) ?? []) {
    for (const statement of JSON.parse(source).Statement) add(statement);
  }
  for (const statement of statements) add(statement);
  for (const override of (inputs.overridePolicyDocuments as string[] | undefined) ?? []) {
    for (const statement of JSON.parse(override).Statement) add(statement);
  }
  return { Version: (inputs.version as string | undefined) ?? "2012-10-17", Statement: merged };
}

/** State and id for one resource, by its Pulumi type. */
function stateOf(type: string, name: string, inputs: State): { id: string; state: State } {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
  switch (type) {
    case "aws:s3/bucket:Bucket":
    case "aws:s3/bucketV2:BucketV2": {
      const bucket = (inputs.bucket as string) ?? autoName(name.toLowerCase(), 63);
      return {
        id: bucket,
        state: {
          bucket,
          arn: `arn:aws:s3:::${bucket}`,
          bucketDomainName: `${bucket}.s3.amazonaws.com`,
          bucketRegionalDomainName: `${bucket}.s3.${REGION}.amazonaws.com`,
          region: REGION,
          hostedZoneId: "Z3AQBSTGFYJSTF",
        },
      };
    }
    case "aws:dynamodb/table:Table": {
      const table = (inputs.name as string) ?? autoName(name);
      const tableArn = arn("dynamodb", `table/${table}`);
      return {
        id: table,
        state: {
          name: table,
          arn: tableArn,
          streamArn: inputs.streamEnabled ? `${tableArn}/stream/2026-01-01T00:00:00.000` : "",
        },
      };
    }
    case "aws:sqs/queue:Queue": {
      const queue = (inputs.name as string) ?? autoName(name, 80);
      const url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${queue}`;
      return { id: url, state: { name: queue, arn: arn("sqs", queue), url } };
    }
    case "aws:sns/topic:Topic": {
      const topic = (inputs.name as string) ?? autoName(name, 256);
      const topicArn = arn("sns", topic);
      return { id: topicArn, state: { name: topic, arn: topicArn } };
    }
    case "aws:sns/topicSubscription:TopicSubscription":
      return {
        id: `${inputs.topic}:${short(name)}`,
        state: { arn: `${inputs.topic}:${short(name)}` },
      };
    case "aws:lambda/function:Function": {
      const fn = (inputs.name as string) ?? autoName(name);
      const fnArn = arn("lambda", `function:${fn}`);
      return {
        id: fn,
        state: {
          name: fn,
          arn: fnArn,
          qualifiedArn: `${fnArn}:$LATEST`,
          invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
          version: "$LATEST",
        },
      };
    }
    case "aws:lambda/functionUrl:FunctionUrl": {
      const id = short(name, 32);
      return {
        id,
        state: { functionUrl: `https://${id}.lambda-url.${REGION}.on.aws/`, urlId: id },
      };
    }
    case "aws:lambda/eventSourceMapping:EventSourceMapping": {
      const uuid = `${short(name, 8)}-0000-4000-8000-${short(name, 12)}`;
      return { id: uuid, state: { uuid, arn: arn("lambda", `event-source-mapping:${uuid}`) } };
    }
    case "aws:iam/role:Role": {
      const role = (inputs.name as string) ?? autoName(name);
      return {
        id: role,
        state: {
          name: role,
          arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
          uniqueId: short(role, 21),
        },
      };
    }
    case "aws:iam/policy:Policy": {
      const policy = (inputs.name as string) ?? autoName(name);
      const policyArn = `arn:aws:iam::${ACCOUNT}:policy/${policy}`;
      return { id: policyArn, state: { name: policy, arn: policyArn } };
    }
    case "aws:cloudwatch/logGroup:LogGroup": {
      const group = (inputs.name as string) ?? autoName(name);
      return { id: group, state: { name: group, arn: arn("logs", `log-group:${group}`) } };
    }
    case "aws:cloudwatch/eventRule:EventRule": {
      const rule = (inputs.name as string) ?? autoName(name);
      const bus = (inputs.eventBusName as string) ?? "default";
      const path = bus === "default" ? rule : `${bus}/${rule}`;
      return { id: rule, state: { name: rule, arn: arn("events", `rule/${path}`) } };
    }
    case "aws:cloudwatch/eventBus:EventBus": {
      const bus = (inputs.name as string) ?? autoName(name);
      return { id: bus, state: { name: bus, arn: arn("events", `event-bus/${bus}`) } };
    }
    case "aws:scheduler/schedule:Schedule": {
      const schedule = (inputs.name as string) ?? autoName(name);
      return {
        id: schedule,
        state: { name: schedule, arn: arn("scheduler", `schedule/default/${schedule}`) },
      };
    }
    case "aws:cloudfront/distribution:Distribution": {
      const id = `E${short(name, 13).toUpperCase()}`;
      return {
        id,
        state: {
          arn: `arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`,
          domainName: `d${short(name, 13)}.cloudfront.net`,
          hostedZoneId: "Z2FDTNDATAQYW2",
          status: "Deployed",
          etag: short(name, 14).toUpperCase(),
        },
      };
    }
    case "aws:cloudfront/function:Function": {
      const fn = (inputs.name as string) ?? autoName(name);
      return { id: fn, state: { name: fn, arn: `arn:aws:cloudfront::${ACCOUNT}:function/${fn}` } };
    }
    case "aws:cloudfront/keyValueStore:KeyValueStore": {
      const id = short(name, 32);
      return { id, state: { arn: `arn:aws:cloudfront::${ACCOUNT}:key-value-store/${id}` } };
    }
    case "random:index/randomBytes:RandomBytes": {
      const bytes = createHash("sha256")
        .update(name)
        .digest()
        .subarray(0, Number(inputs.length ?? 32));
      return { id: name, state: { base64: bytes.toString("base64"), hex: bytes.toString("hex") } };
    }
    case "random:index/randomId:RandomId": {
      const hex = short(name, Number(inputs.byteLength ?? 8) * 2);
      return {
        id: hex,
        state: { hex, dec: String(Number.parseInt(hex.slice(0, 12), 16)), b64Url: hex },
      };
    }
    case "command:local:Command":
      return { id: short(name), state: { stdout: "", stderr: "" } };
    default: {
      // Everything else: an id, and the name the program gave (or one generated like Pulumi's).
      const id = (inputs.name as string | undefined) ?? `${short(name, 16)}`;
      const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
      return { id, state: { arn: arn(service, `${type.split(":")[2]?.toLowerCase()}/${id}`) } };
    }
  }
}

export interface Registered {
  type: string;
  name: string;
  custom: boolean;
  inputs: State;
  state: State;
  id: string;
}

/** Pulumi's wire form of a secret value: the tests read the value itself. */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

function unsecret(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unsecret);
  if (value && typeof value === "object") {
    const object = value as Record<string, unknown>;
    if (object[SIG] === SECRET) return unsecret(object.value);
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, unsecret(v)]));
  }
  return value;
}

export function createMocks(registered: Registered[]): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      const inputs = unsecret(args.inputs) as State;
      const { id, state } = args.custom
        ? stateOf(args.type, args.name, inputs)
        : { id: "", state: {} };
      const full = { ...args.inputs, ...state };
      registered.push({
        type: args.type,
        name: args.name,
        custom: args.custom ?? true,
        inputs,
        // The id too, as the tests compare references between resources by it.
        state: { ...(unsecret(full) as State), id: id || `${args.name}-id` },
        id: id || `${args.name}-id`,
      });
      return { id: id || `${args.name}-id`, state: full };
    },
    call(args) {
      switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return {
            accountId: ACCOUNT,
            arn: `arn:aws:iam::${ACCOUNT}:user/deployer`,
            userId: "AIDAEXAMPLE",
            id: ACCOUNT,
          };
        case "aws:index/getRegion:getRegion":
          return {
            name: REGION,
            region: REGION,
            id: REGION,
            endpoint: `ec2.${REGION}.amazonaws.com`,
            description: "US East (N. Virginia)",
          };
        case "aws:index/getPartition:getPartition":
          return {
            partition: "aws",
            dnsSuffix: "amazonaws.com",
            reverseDnsPrefix: "com.amazonaws",
            id: "aws",
          };
        case "aws:cloudwatch/getEventBus:getEventBus": {
          const name = String(args.inputs.name);
          return { name, id: name, arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}` };
        }
        case "aws:iam/getPolicyDocument:getPolicyDocument": {
          const document = renderPolicyDocument(args.inputs);
          return {
            ...args.inputs,
            id: short(JSON.stringify(document)),
            json: JSON.stringify(document, null, 2),
            minifiedJson: JSON.stringify(document),
          };
        }
        default:
          throw new Error(
            `no mock for the provider call ${args.token}: add it to test/infra/mocks.ts`,
          );
      }
    },
  };
}
