import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type Entry,
  evaluate,
  type Grants,
  grantsUse,
  matches,
  pattern,
  triples,
} from "../iam/check";

// The IAM check's own logic on a small hand-written stack: what test/iam runs on the real one.
const bucketArn = "arn:aws:s3:::rushes-test-media";
const arns: Record<string, string> = {
  Media: bucketArn,
  Table: "arn:aws:dynamodb:us-east-1:123456789012:table/rushes-test-table",
  ChunkQueue: "arn:aws:sqs:us-east-1:123456789012:rushes-test-chunks",
};
const grants: Grants = {
  functions: {
    ChunkWorker: [
      {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject"],
            Resource: [`${bucketArn}/work/*`, `${bucketArn}/media/*`],
          },
          {
            Effect: "Allow",
            Action: ["s3:ListBucket"],
            Resource: [bucketArn],
            Condition: { StringLike: { "s3:prefix": ["work/*"] } },
          },
          {
            Effect: "Allow",
            Action: ["dynamodb:*"],
            Resource: [arns.Table!, `${arns.Table}/*`],
          },
          { Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [arns.ChunkQueue!] },
        ],
      },
    ],
  },
  // SST's bucket policy: only TLS.
  bucket: {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  },
  queues: {},
  topics: {},
  arnOf: (name) => {
    const arn = arns[name];
    if (!arn) throw new Error(`no ${name}`);
    return arn;
  },
};

const entry = (action: string, component: string, path?: string, context?: object): Entry => ({
  function: "ChunkWorker",
  action,
  component,
  ...(path === undefined ? {} : { path }),
  ...(context ? { context: context as Record<string, string> } : {}),
});

describe("the IAM check", () => {
  it("names each request's resource by pattern, so one shape is one triple", () => {
    expect(pattern("media/vid_01JD7M3Y8Q4K6X2V9C0B5N1E7R/hls/720p/seg_00012.m4s")).toBe(
      "media/{vid}/hls/720p/seg_#.m4s",
    );
    expect(pattern("media/vid_01JD7M3Y8Q4K6X2V9C0B5N1E7R/hls/audio/c00003-17.m4s")).toBe(
      "media/{vid}/hls/audio/c#-#.m4s",
    );
    const list = triples(
      [
        entry("s3:GetObject", "Media", "work/vid_01JD7M3Y8Q4K6X2V9C0B5N1E7R/chunk-1.mp4"),
        entry("s3:GetObject", "Media", "work/vid_01JD7M3Y8Q4K6X2V9C0B5N1E7S/chunk-2.mp4"),
        entry("dynamodb:Query", "Table", "index/gsi1"),
      ],
      grants.arnOf,
    );
    expect(list.map((t) => [t.action, t.resource, t.example.arn])).toEqual([
      ["dynamodb:Query", "Table/index/gsi1", `${arns.Table}/index/gsi1`],
      [
        "s3:GetObject",
        "Media/work/{vid}/chunk-#.mp4",
        `${bucketArn}/work/vid_01JD7M3Y8Q4K6X2V9C0B5N1E7R/chunk-1.mp4`,
      ],
    ]);
  });

  it("allows what the policies grant, conditions included, and denies the rest", async () => {
    const list = triples(
      [
        entry("s3:GetObject", "Media", "work/vid_01JD7M3Y8Q4K6X2V9C0B5N1E7R/chunk-1.mp4"),
        entry("s3:GetObject", "Media", "sources/vid_01JD7M3Y8Q4K6X2V9C0B5N1E7R/source"),
        entry("s3:ListBucket", "Media", undefined, { "s3:prefix": "work/vid_01JD7M3Y8Q4K6X2V9C0" }),
        entry("s3:ListBucket", "Media", undefined, { "s3:prefix": "media/vid_01JD7M3Y8Q4K6X2V9C" }),
        entry("dynamodb:Query", "Table", "index/gsi1"),
        entry("sqs:ReceiveMessage", "ChunkQueue"),
      ],
      grants.arnOf,
    );
    const decisions = await evaluate(list, grants);
    const denied = decisions.filter((d) => d.result !== "Allowed");
    expect(denied.map((d) => `${d.triple.action} ${d.triple.resource}`).sort()).toEqual([
      "s3:GetObject Media/sources/{vid}/source",
      "s3:ListBucket Media s3:prefix=media/{vid}",
      "sqs:ReceiveMessage ChunkQueue",
    ]);
  });

  it("reports a request on a function the stack lacks, and a component it cannot name", async () => {
    const [decision] = await evaluate(
      triples([{ ...entry("s3:GetObject", "Media", "x"), function: "Nobody" }], grants.arnOf),
      grants,
    );
    expect(decision!.result).toBe("Error");
    expect(() => triples([entry("sqs:SendMessage", "?elsewhere")], grants.arnOf)).toThrow(
      /no SST component is named elsewhere/,
    );
  });

  it("finds the grants no request uses, and what a wildcard grant is used for", () => {
    const list = triples(
      [
        entry("s3:GetObject", "Media", "work/vid_01JD7M3Y8Q4K6X2V9C0B5N1E7R/chunk-1.mp4"),
        entry("dynamodb:Query", "Table", "index/gsi1"),
        entry("dynamodb:PutItem", "Table"),
      ],
      grants.arnOf,
    );
    const use = grantsUse(grants, list);
    const unused = use.filter((g) => !g.usedBy.length).map((g) => `${g.action} ${g.resource}`);
    expect(unused).toEqual([
      `s3:GetObject ${bucketArn}/media/*`,
      `s3:PutObject ${bucketArn}/work/*`,
      `s3:PutObject ${bucketArn}/media/*`,
      `s3:ListBucket ${bucketArn}`,
      `sqs:SendMessage ${arns.ChunkQueue}`,
    ]);
    expect(use.find((g) => g.resource === arns.Table)?.usedBy).toEqual(["dynamodb:PutItem"]);
    expect(use.find((g) => g.resource === `${arns.Table}/*`)?.usedBy).toEqual(["dynamodb:Query"]);
  });

  it("matches IAM wildcards", () => {
    expect(matches("s3:Get*", "s3:getobject", true)).toBe(true);
    expect(matches("arn:aws:s3:::b/work/*", "arn:aws:s3:::b/work/a/b")).toBe(true);
    expect(matches("arn:aws:s3:::b/work/*", "arn:aws:s3:::b/media/a")).toBe(false);
    expect(matches("arn:aws:s3:::b/w?rk", "arn:aws:s3:::b/wark")).toBe(true);
  });
});

describe("the simulator stays out of every bundle", () => {
  it("is a root devDependency only, and nothing under packages/ imports it", () => {
    const root = new URL("../../", import.meta.url);
    const manifest = (path: string) => JSON.parse(readFileSync(new URL(path, root), "utf8"));
    expect(Object.keys(manifest("package.json").devDependencies)).toContain(
      "@cloud-copilot/iam-simulate",
    );
    expect(Object.keys(manifest("package.json").dependencies ?? {})).not.toContain(
      "@cloud-copilot/iam-simulate",
    );
    for (const pkg of ["core", "functions", "local", "web"]) {
      const { dependencies = {}, devDependencies = {} } = manifest(`packages/${pkg}/package.json`);
      expect(Object.keys({ ...dependencies, ...devDependencies }).join(), pkg).not.toMatch(
        /@cloud-copilot/,
      );
    }
    // AGPL-3.0: only test/ may import it, never code that is deployed or shipped.
    const grep = spawnSync("git", ["grep", "-l", "@cloud-copilot", "--", "packages", "infra"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(grep.status, grep.stderr).toBe(1); // git grep: 1 is "no match"
    expect(grep.stdout).toBe("");
  });
});
