import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CopyObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Aws } from "../src/aws";
import { AwsRecord } from "../src/aws-record";
import { authorisedAs } from "../src/aws-record/actions";
import { Config } from "../src/config";
import { Multipart, Storage } from "../src/storage";

describe("authorisedAs: SDK commands as IAM authorises them", () => {
  const object = (bucket: string, key: string) => ({ kind: "object", bucket, key });

  it("S3: HEAD is a GET, multipart steps are PUTs, listing parts has its own action", () => {
    const on = (command: string) => authorisedAs("s3", command, { Bucket: "b", Key: "k" });
    expect(on("HeadObject")).toEqual([{ action: "s3:GetObject", target: object("b", "k") }]);
    for (const step of ["CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"]) {
      expect(on(step)).toEqual([{ action: "s3:PutObject", target: object("b", "k") }]);
    }
    expect(on("ListParts")[0]!.action).toBe("s3:ListMultipartUploadParts");
    expect(on("AbortMultipartUpload")[0]!.action).toBe("s3:AbortMultipartUpload");
  });

  it("S3: a copy reads its (URL-encoded) source and writes its target", () => {
    for (const command of ["CopyObject", "UploadPartCopy"]) {
      const input = { Bucket: "b", Key: "sources/v/source", CopySource: "b/uploads/v/a%20b" };
      expect(authorisedAs("s3", command, input)).toEqual([
        { action: "s3:GetObject", target: object("b", "uploads/v/a b") },
        { action: "s3:PutObject", target: object("b", "sources/v/source") },
      ]);
    }
  });

  it("S3: DeleteObjects deletes each key; a listing is on the bucket, with its prefix", () => {
    const input = { Bucket: "b", Delete: { Objects: [{ Key: "work/1" }, { Key: "work/2" }] } };
    expect(authorisedAs("s3", "DeleteObjects", input)).toEqual([
      { action: "s3:DeleteObject", target: object("b", "work/1") },
      { action: "s3:DeleteObject", target: object("b", "work/2") },
    ]);
    expect(authorisedAs("s3", "ListObjectsV2", { Bucket: "b", Prefix: "media/v/" })).toEqual([
      {
        action: "s3:ListBucket",
        target: { kind: "bucket", bucket: "b" },
        context: { "s3:prefix": "media/v/" },
      },
    ]);
  });

  it("DynamoDB: queries name their index; transactions are their items' actions", () => {
    expect(authorisedAs("dynamodb", "Query", { TableName: "t", IndexName: "gsi1" })).toEqual([
      { action: "dynamodb:Query", target: { kind: "table", table: "t", index: "gsi1" } },
    ]);
    const items = [{ Put: { TableName: "t" } }, { ConditionCheck: { TableName: "u" } }];
    expect(authorisedAs("dynamodb", "TransactWriteItems", { TransactItems: items })).toEqual([
      { action: "dynamodb:PutItem", target: { kind: "table", table: "t" } },
      { action: "dynamodb:ConditionCheckItem", target: { kind: "table", table: "u" } },
    ]);
    expect(authorisedAs("dynamodb", "BatchWriteItem", { RequestItems: { t: [] } })[0]!.action).toBe(
      "dynamodb:BatchWriteItem",
    );
  });

  it("SQS batches are their single actions; CreateJob also passes its role", () => {
    expect(authorisedAs("sqs", "SendMessageBatch", { QueueUrl: "http://h/1/q" })).toEqual([
      { action: "sqs:SendMessage", target: { kind: "queue", url: "http://h/1/q" } },
    ]);
    expect(authorisedAs("mediaconvert", "CreateJob", { Role: "arn:aws:iam::1:role/r" })).toEqual([
      { action: "mediaconvert:CreateJob", target: { kind: "any" } },
      {
        action: "iam:PassRole",
        target: { kind: "role", arn: "arn:aws:iam::1:role/r" },
        context: { "iam:PassedToService": "mediaconvert.amazonaws.com" },
      },
    ]);
  });
});

describe("AwsRecord", () => {
  let dir: string;
  const before = process.env.RUSHES_AWS_RECORD_DIR;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rushes-aws-record-"));
    process.env.RUSHES_AWS_RECORD_DIR = dir;
    Config.reset();
    Aws.reset();
  });
  afterAll(async () => {
    if (before === undefined) delete process.env.RUSHES_AWS_RECORD_DIR;
    else process.env.RUSHES_AWS_RECORD_DIR = before;
    Config.reset();
    Aws.reset();
    await rm(dir, { recursive: true, force: true });
  });

  const entries = async () => {
    const lines: AwsRecord.Entry[] = [];
    for (const file of await readdir(dir)) {
      for (const line of (await readFile(join(dir, file), "utf8")).split("\n")) {
        if (line) lines.push(JSON.parse(line));
      }
    }
    return lines;
  };

  it("records presigned URLs as the signer's requests, by component and key", async () => {
    await AwsRecord.as("Api", async () => {
      await Storage.presignPost({
        key: "uploads/vid_a/source",
        contentType: "video/mp4",
        bytes: 9,
      });
      await Storage.presignGet("media/vid_a/720p.mp4");
      await Multipart.presignPart({ key: "uploads/vid_b/source", uploadId: "u", partNumber: 2 });
    });
    expect(await entries()).toEqual(
      expect.arrayContaining([
        {
          function: "Api",
          action: "s3:PutObject",
          component: "Media",
          path: "uploads/vid_a/source",
        },
        {
          function: "Api",
          action: "s3:GetObject",
          component: "Media",
          path: "media/vid_a/720p.mp4",
        },
        {
          function: "Api",
          action: "s3:PutObject",
          component: "Media",
          path: "uploads/vid_b/source",
        },
      ]),
    );
  });

  it("records what an instrumented client sends, and nothing outside a function", async () => {
    const s3 = AwsRecord.instrument(new S3Client({ region: "us-east-1" }));
    // Answers every request itself: nothing leaves the process.
    s3.middlewareStack.add(() => async () => ({ output: { $metadata: {} }, response: {} }), {
      step: "build",
    });
    const copy = new CopyObjectCommand({
      Bucket: "rushes-local-media",
      Key: "sources/vid_c/source",
      CopySource: "rushes-local-media/uploads/vid_c/source",
    });
    await s3.send(copy);
    expect(await entries()).not.toContainEqual(
      expect.objectContaining({ path: "sources/vid_c/source" }),
    );
    await AwsRecord.as("Ingest", () => s3.send(copy));
    await AwsRecord.as("Ingest", () => s3.send(copy));
    const copies = (await entries()).filter((e) => e.path?.includes("vid_c"));
    expect(copies).toEqual([
      {
        function: "Ingest",
        action: "s3:GetObject",
        component: "Media",
        path: "uploads/vid_c/source",
      },
      {
        function: "Ingest",
        action: "s3:PutObject",
        component: "Media",
        path: "sources/vid_c/source",
      },
    ]);
    s3.destroy();
  });

  it("names what no linked resource is called by its physical name", async () => {
    AwsRecord.noteAs("Sweep", "Ingest", ["lambda:InvokeFunction"]);
    await AwsRecord.as("Sweep", async () => {
      AwsRecord.note(authorisedAs("sqs", "SendMessage", { QueueUrl: "http://h:1/0/elsewhere" }));
    });
    expect(await entries()).toEqual(
      expect.arrayContaining([
        { function: "Sweep", action: "lambda:InvokeFunction", component: "Ingest" },
        { function: "Sweep", action: "sqs:SendMessage", component: "?http://h:1/0/elsewhere" },
      ]),
    );
  });
});

describe("mediaConvertJob: what a job does as its role", () => {
  it("reads its inputs and writes under each output group's destination", async () => {
    const { mediaConvertJob } = await import("../src/aws-record/actions");
    const input = {
      Settings: {
        Inputs: [{ FileInput: "s3://b/sources/vid_a/source" }],
        OutputGroups: [
          {
            OutputGroupSettings: {
              Type: "FILE_GROUP_SETTINGS",
              FileGroupSettings: { Destination: "s3://b/media/vid_a/720p" },
            },
          },
          {
            OutputGroupSettings: {
              Type: "CMAF_GROUP_SETTINGS",
              CmafGroupSettings: { Destination: "s3://b/media/vid_a/hls/master" },
            },
          },
        ],
      },
    };
    expect(mediaConvertJob(input)).toEqual([
      {
        action: "s3:GetObject",
        target: { kind: "object", bucket: "b", key: "sources/vid_a/source" },
      },
      { action: "s3:PutObject", target: { kind: "object", bucket: "b", key: "media/vid_a/720p" } },
      {
        action: "s3:PutObject",
        target: { kind: "object", bucket: "b", key: "media/vid_a/hls/master" },
      },
    ]);
  });
});

describe("transcribeJob: what a Transcribe job does with its caller's rights", () => {
  it("reads the media and writes the transcript and each subtitle format under OutputKey", async () => {
    const { transcribeJob, authorisedAs } = await import("../src/aws-record/actions");
    const input = {
      TranscriptionJobName: "rushes.local.vid_a.auto.x1",
      Media: { MediaFileUri: "s3://b/media/vid_a/480p.mp4" },
      IdentifyLanguage: true,
      OutputBucketName: "b",
      OutputKey: "work/captions/vid_a/",
      Subtitles: { Formats: ["vtt"] },
    };
    expect(authorisedAs("transcribe", "StartTranscriptionJob", input)).toEqual([
      { action: "transcribe:StartTranscriptionJob", target: { kind: "any" } },
    ]);
    const object = (key: string) => ({ kind: "object", bucket: "b", key });
    expect(transcribeJob(input)).toEqual([
      { action: "s3:GetObject", target: object("media/vid_a/480p.mp4") },
      {
        action: "s3:PutObject",
        target: object("work/captions/vid_a/.write_access_check_file.temp"),
      },
      {
        action: "s3:PutObject",
        target: object("work/captions/vid_a/rushes.local.vid_a.auto.x1.json"),
      },
      {
        action: "s3:PutObject",
        target: object("work/captions/vid_a/rushes.local.vid_a.auto.x1.vtt"),
      },
    ]);
  });
});
