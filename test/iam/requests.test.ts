// The IAM check: every AWS request the other tiers recorded (core/src/aws-record), evaluated
// against the IAM that SST's real components produce for this stack, and every unused grant.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  arnOf,
  deployStack,
  functionPolicies,
  type PolicyDocument,
  resources,
  type Stack,
} from "../infra/stack";
import { awsRecordDir } from "../support/aws-records";
import {
  type Decision,
  evaluate,
  type Grant,
  type Grants,
  grantsUse,
  readEntries,
  runtimeGrant,
  type Triple,
  triples,
} from "./check";

/** The functions the integration tier runs, and the role; each must have left records. */
const exercised = [
  "Api",
  "Ingest",
  "ChunkWorker",
  "ClipWorker",
  "Sweep",
  "MediaConvertComplete",
  "WebhookDispatcher",
  "WebhookSender",
  // Not a function: what the MediaConvert jobs that Ingest submits do, as their role.
  "MediaConvertRole",
];
const report = join(dirname(awsRecordDir), "iam-report.txt");

let list: Triple[] = [];
let decisions: Decision[] = [];
let use: Grant[] = [];
let pending: string[] = [];

beforeAll(async () => {
  // A MediaConvert stage has every function and every grant of the default (ffmpeg) one, plus
  // what its MediaConvert path needs, which the integration tier runs too (mediaconvert.test.ts).
  const stack = await deployStack({ env: { RUSHES_TRANSCODER: "mediaconvert" } });
  // A function whose inputs never resolved (a deadlock in the stack) has no role to check.
  pending = stack.pending.map((r) => `${r.type} ${r.name}`);
  const grants: Grants = {
    functions: { ...functionPolicies(stack), ...mediaConvertRole(stack) },
    ...resourcePolicies(stack),
    arnOf: (name) => arnOf(stack, name),
  };
  list = triples(readEntries(awsRecordDir), grants.arnOf);
  decisions = await evaluate(list, grants);
  use = grantsUse(grants, list);
}, 300_000);

/** The role MediaConvert jobs run as, whose reads and writes the recorder notes at CreateJob. */
function mediaConvertRole(stack: Stack): Record<string, PolicyDocument[]> {
  const role = resources(stack, "aws:iam/role:Role").find((r) => r.name === "MediaConvertRole");
  if (!role) return {};
  const policies = resources(stack, "aws:iam/rolePolicy:RolePolicy")
    .filter((p) => p.inputs.role === role.state.name || p.inputs.role === role.state.id)
    .map((p) => parse(p.inputs.policy));
  return { MediaConvertRole: policies };
}

const parse = (policy: unknown) =>
  (typeof policy === "string" ? JSON.parse(policy) : policy) as PolicyDocument;

/**
 * The policies on the resources the functions reach: the media bucket's (the web site's bucket has
 * its own, which no function touches), and the queues' and topics' by SST component name.
 */
function resourcePolicies(stack: Stack) {
  const media = arnOf(stack, "Media").replace("arn:aws:s3:::", "");
  const bucket = resources(stack, "aws:s3/bucketPolicy:BucketPolicy").find(
    (p) => p.inputs.bucket === media,
  );
  const named = (type: string, policyType: string, key: string, field: string) =>
    Object.fromEntries(
      resources(stack, policyType).flatMap((p) => {
        const target = stack.resources.find(
          (r) => r.type === type && r.state[field] === p.inputs[key],
        );
        return target ? [[target.name.replace(/(Queue|Topic)$/, ""), parse(p.inputs.policy)]] : [];
      }),
    );
  return {
    ...(bucket ? { bucket: parse(bucket.inputs.policy) } : {}),
    queues: named("aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy", "queueUrl", "url"),
    topics: named("aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy", "arn", "arn"),
  };
}

afterAll(() => {
  // The runtime's own grants (logs) are used by Lambda, not by rushes' code: never recorded.
  const unused = use.filter((g) => !g.usedBy.length && !runtimeGrant(g.action));
  const denied = decisions.filter((d) => d.result !== "Allowed");
  const line = (d: Decision) =>
    `${d.result.padEnd(16)} ${d.triple.function} ${d.triple.action} ${d.triple.resource}${d.detail ? ` (${d.detail})` : ""}`;
  const summary = `iam: ${list.length} distinct (function, action, resource pattern) triples, ${denied.length} denied; ${unused.length} of ${use.filter((g) => !runtimeGrant(g.action)).length} grants unused`;
  mkdirSync(dirname(report), { recursive: true });
  writeFileSync(
    report,
    [
      summary,
      "",
      "## Requests (function, action, resource pattern)",
      ...decisions.map(line),
      "",
      "## Grants no recorded request uses",
      ...unused.map((g) => `${g.function} ${g.action} ${g.resource}`),
      "",
      "## Wildcard grants, and the actions they were used for",
      ...use
        .filter((g) => g.usedBy.length && /\*/.test(g.action))
        .map((g) => `${g.function} ${g.action} ${g.resource}: ${g.usedBy.join(", ")}`),
      "",
    ].join("\n"),
  );
  // The figures alone, for comparing runs (before and after an infra change).
  const figures = {
    triples: list.length,
    denied: denied.length,
    grants: use.filter((g) => !runtimeGrant(g.action)).length,
    unusedGrants: unused.length,
  };
  writeFileSync(report.replace(/\.txt$/, ".json"), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`${summary} (${report})`);
});

describe("every AWS request the functions made is allowed by the stack's IAM", () => {
  it("has requests of every function the integration tier runs", () => {
    // The local SQS pollers record what each subscription asks even when no message comes, so
    // only requests of the function's own code count here.
    const mapping = ["sqs:ReceiveMessage", "sqs:GetQueueAttributes", "sqs:DeleteMessage"];
    const seen = new Set(list.filter((t) => !mapping.includes(t.action)).map((t) => t.function));
    const missing = exercised.filter((fn) => !seen.has(fn));
    expect(missing, `no requests recorded in ${awsRecordDir} for these functions`).toEqual([]);
  });

  it("denies none of them", () => {
    const denied = decisions
      .filter((d) => d.result !== "Allowed")
      .map(
        (d) =>
          `${d.triple.function} may not ${d.triple.action} on ${d.triple.example.arn} (${d.result}${d.detail ? `: ${d.detail}` : ""})`,
      );
    const why = pending.length ? `; never resolved under the mocks: ${pending.join(", ")}` : "";
    expect(denied, `denied requests${why}`).toEqual([]);
  });
});
