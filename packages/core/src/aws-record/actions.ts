/**
 * Which IAM actions an SDK command is authorised as, on what. Most commands are their own action;
 * the exceptions are S3's (HEAD is a GET, a copy reads its source and writes its target, every
 * multipart step but abort and listing is a PUT) and the batch and transaction forms.
 */
export type Target =
  | { kind: "bucket"; bucket: string }
  | { kind: "object"; bucket: string; key: string }
  | { kind: "table"; table: string; index?: string }
  | { kind: "queue"; url: string }
  | { kind: "topic"; arn: string }
  | { kind: "function"; name: string }
  | { kind: "role"; arn: string }
  /** Actions without resource-level permissions in rushes' use (mediaconvert:CreateJob). */
  | { kind: "any" }
  /** Already named by its SST component (the local event source mappings know theirs). */
  | { kind: "component"; component: string };

export interface AuthorisedAs {
  action: string;
  target: Target;
  /** Condition keys the request carries (s3:prefix on a listing, iam:PassedToService). */
  context?: Record<string, string>;
}

type Input = Record<string, unknown>;
const str = (value: unknown) => (typeof value === "string" ? value : "");

const s3Renamed: Record<string, string> = {
  HeadObject: "GetObject",
  CreateMultipartUpload: "PutObject",
  UploadPart: "PutObject",
  CompleteMultipartUpload: "PutObject",
  ListParts: "ListMultipartUploadParts",
  ListObjects: "ListBucket",
  ListObjectsV2: "ListBucket",
  HeadBucket: "ListBucket",
  ListMultipartUploads: "ListBucketMultipartUploads",
};
const bucketLevel = new Set(["ListBucket", "ListBucketMultipartUploads", "GetBucketLocation"]);

/** `CopySource` is `bucket/key`, URL-encoded, optionally with `?versionId=`. */
function copySource(value: unknown): { bucket: string; key: string } {
  const raw = decodeURIComponent(str(value).replace(/^\//, "").split("?")[0]!);
  const slash = raw.indexOf("/");
  return { bucket: raw.slice(0, slash), key: raw.slice(slash + 1) };
}

function s3(command: string, input: Input): AuthorisedAs[] {
  const bucket = str(input.Bucket);
  const object = (action: string, key = str(input.Key)): AuthorisedAs => ({
    action: `s3:${action}`,
    target: { kind: "object", bucket, key },
  });
  if (command === "CopyObject" || command === "UploadPartCopy") {
    const source = copySource(input.CopySource);
    return [{ action: "s3:GetObject", target: { kind: "object", ...source } }, object("PutObject")];
  }
  if (command === "DeleteObjects") {
    const objects = (input.Delete as { Objects?: Array<{ Key?: string }> } | undefined)?.Objects;
    return (objects ?? []).map((o) => object("DeleteObject", str(o.Key)));
  }
  const action = s3Renamed[command] ?? command;
  if (bucketLevel.has(action)) {
    const prefix = str(input.Prefix);
    return [
      {
        action: `s3:${action}`,
        target: { kind: "bucket", bucket },
        ...(action === "ListBucket" ? { context: { "s3:prefix": prefix } } : {}),
      },
    ];
  }
  return [object(action)];
}

const dynamoItemActions = {
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
  Get: "GetItem",
} as const;
/** The document client's commands are the item commands under other names. */
const documentCommands: Record<string, string> = {
  Put: "PutItem",
  Get: "GetItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  BatchWrite: "BatchWriteItem",
  BatchGet: "BatchGetItem",
  TransactWrite: "TransactWriteItems",
  TransactGet: "TransactGetItems",
  ExecuteStatement: "PartiQLSelect",
};

function dynamodb(command: string, input: Input): AuthorisedAs[] {
  const name = documentCommands[command] ?? command;
  // Batches are authorised per table as their own actions; transactions as each item's action.
  if (name === "BatchWriteItem" || name === "BatchGetItem") {
    const tables = Object.keys((input.RequestItems as object | undefined) ?? {});
    return tables.map((table) => ({
      action: `dynamodb:${name}`,
      target: { kind: "table", table },
    }));
  }
  if (name === "TransactWriteItems" || name === "TransactGetItems") {
    const items = (input.TransactItems as Array<Record<string, { TableName?: string }>>) ?? [];
    return items.flatMap((item) =>
      Object.entries(item).map(([kind, op]) => ({
        action: `dynamodb:${dynamoItemActions[kind as keyof typeof dynamoItemActions] ?? kind}`,
        target: { kind: "table" as const, table: str(op?.TableName) },
      })),
    );
  }
  const index = str(input.IndexName);
  return [
    {
      action: `dynamodb:${name}`,
      target: { kind: "table", table: str(input.TableName), ...(index ? { index } : {}) },
    },
  ];
}

const sqsRenamed: Record<string, string> = {
  SendMessageBatch: "SendMessage",
  DeleteMessageBatch: "DeleteMessage",
  ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
};

/** `s3://bucket/key` → the object. */
function s3Url(url: string): Target {
  const [bucket = "", ...key] = url.replace(/^s3:\/\//, "").split("/");
  return { kind: "object", bucket, key: key.join("/") };
}

/**
 * What a MediaConvert job does with the role it runs as: it reads its inputs and writes each
 * output group's files, named `<destination><modifier>.<ext>`, so on the destination's prefix.
 */
export function mediaConvertJob(input: Input): AuthorisedAs[] {
  type Group = { OutputGroupSettings?: Record<string, { Destination?: string } | string> };
  const settings = (input.Settings ?? {}) as {
    Inputs?: Array<{ FileInput?: string }>;
    OutputGroups?: Group[];
  };
  const reads = (settings.Inputs ?? []).map((i) => ({
    action: "s3:GetObject",
    target: s3Url(str(i.FileInput)),
  }));
  const writes = (settings.OutputGroups ?? []).flatMap((g) =>
    Object.values(g.OutputGroupSettings ?? {}).flatMap((group) =>
      typeof group === "object" && group.Destination
        ? [{ action: "s3:PutObject", target: s3Url(group.Destination) }]
        : [],
    ),
  );
  return [...reads, ...writes];
}

/**
 * What a Transcribe job does with its caller's rights (Transcribe reads the media and writes its
 * output as the identity that started the job): it reads the media file and writes
 * `{OutputKey}{job}.json` and, for subtitles, `.vtt` beside it, after a write-access check file.
 */
export function transcribeJob(input: Input): AuthorisedAs[] {
  const media = (input.Media ?? {}) as { MediaFileUri?: string };
  const bucket = str(input.OutputBucketName);
  const prefix = `${str(input.OutputKey)}${str(input.TranscriptionJobName)}`;
  const subtitles = ((input.Subtitles ?? {}) as { Formats?: string[] }).Formats ?? [];
  const written = [".json", ...subtitles.map((format) => `.${format}`)];
  return [
    { action: "s3:GetObject", target: s3Url(str(media.MediaFileUri)) },
    ...(bucket
      ? [
          {
            action: "s3:PutObject",
            target: {
              kind: "object" as const,
              bucket,
              key: `${str(input.OutputKey)}.write_access_check_file.temp`,
            },
          },
          ...written.map((ext) => ({
            action: "s3:PutObject",
            target: { kind: "object" as const, bucket, key: `${prefix}${ext}` },
          })),
        ]
      : []),
  ];
}

/** The IAM requests behind one SDK command (`command` without its `Command` suffix). */
export function authorisedAs(service: string, command: string, input: Input): AuthorisedAs[] {
  switch (service) {
    case "s3":
      return s3(command, input);
    case "dynamodb":
      return dynamodb(command, input);
    case "sqs":
      return [
        {
          action: `sqs:${sqsRenamed[command] ?? command}`,
          target: { kind: "queue", url: str(input.QueueUrl) },
        },
      ];
    case "sns":
      return [
        {
          action: `sns:${command === "PublishBatch" ? "Publish" : command}`,
          target: { kind: "topic", arn: str(input.TopicArn) },
        },
      ];
    case "lambda":
      return [
        {
          action: `lambda:${command === "Invoke" ? "InvokeFunction" : command}`,
          target: { kind: "function", name: str(input.FunctionName) },
        },
      ];
    case "mediaconvert": {
      const out: AuthorisedAs[] = [{ action: `mediaconvert:${command}`, target: { kind: "any" } }];
      // A job runs as the role it names: the caller must be allowed to pass that role.
      if (command === "CreateJob" && input.Role) {
        out.push({
          action: "iam:PassRole",
          target: { kind: "role", arn: str(input.Role) },
          context: { "iam:PassedToService": "mediaconvert.amazonaws.com" },
        });
      }
      return out;
    }
    default:
      return [{ action: `${service}:${command}`, target: { kind: "any" } }];
  }
}
