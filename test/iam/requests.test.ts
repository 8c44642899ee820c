// The IAM check: every AWS request the other tiers recorded (core/src/aws-record), evaluated
// against the IAM that SST's real components produce for this stack, and every unused grant.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arnOf, deployStack, functionPolicies, resourcePolicies } from "../infra/stack";
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
  "CaptionWorker",
  "TranscribeComplete",
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
  const { bucket, queues, topics, mediaConvertRole } = resourcePolicies(stack);
  const grants: Grants = {
    functions: {
      ...functionPolicies(stack),
      // Not a function: the role MediaConvert jobs run as, whose reads and writes the recorder
      // notes at CreateJob.
      ...(mediaConvertRole ? { MediaConvertRole: mediaConvertRole } : {}),
    },
    ...(bucket ? { bucket } : {}),
    queues,
    topics,
    arnOf: (name) => arnOf(stack, name),
  };
  list = triples(readEntries(awsRecordDir), grants.arnOf);
  decisions = await evaluate(list, grants);
  use = grantsUse(grants, list);
}, 300_000);

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
