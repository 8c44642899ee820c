// Storage: the media bucket, the one DynamoDB table, and the admin key secret.

/**
 * The largest source the API takes: S3's own object limit, reached through multipart uploads.
 * Ingest's /tmp is sized from it (infra/processing.ts).
 */
export const maxUploadBytes = 5 * 1024 ** 4;

/** Days before S3 aborts an unfinished multipart upload; core's Multipart.abortAfterDays matches. */
export const abortIncompleteUploadsAfterDays = 7;
const abortRules = ["abort-incomplete-multipart-uploads", "abort-incomplete-source-copies"];

let resolveWebUrl: (url: $util.Input<string>) => void = () => {};

/**
 * The web app's URL, for CORS here and on the API. The site is created last (infra/web.ts), since
 * its build needs the API URL, so this starts as a promise that web.ts settles with `setWebUrl`.
 * That is a cycle in the order these files run, not in the deploy: the site's CloudFront domain
 * does not wait for its build.
 */
export const webUrl = $util.output(
  new Promise<$util.Input<string>>((resolve) => {
    resolveWebUrl = resolve;
  }),
);

export function setWebUrl(url: $util.Input<string>) {
  resolveWebUrl(url);
}

/**
 * Every lifecycle rule of the bucket, in one list that each concern appends to before the bucket
 * is made: SST builds one lifecycle configuration from it, and a second would replace the first.
 * - What ingest leaves under `uploads/` (a rejected upload, a re-post it could not refuse, a POST
 *   whose event was lost for good) expires; ingest moves every accepted source to `sources/`
 *   within minutes, so two days never touch a live upload.
 * - Parts of a multipart upload never completed are billed until aborted; the video expires with
 *   them. So are the parts of a source ingest copies to `sources/` in parts and never completes
 *   (a worker killed mid-copy): the same rule aborts those.
 * - The chunked transcode's scratch (`work/`) is deleted once a video is ready; what a failed or
 *   abandoned one leaves expires too.
 */
export const lifecycleRules: Array<{
  id: string;
  prefix?: string;
  expiresIn?: `${number} ${"day" | "days"}`;
}> = [
  { id: "ExpireUploads", prefix: "uploads/", expiresIn: "2 days" },
  { id: abortRules[0]!, prefix: "uploads/" },
  { id: abortRules[1]!, prefix: "sources/" },
  { id: "ExpireWork", prefix: "work/", expiresIn: "2 days" },
];

let resolveMediaReader: (arn: $util.Input<string>) => void = () => {};

/**
 * The CloudFront distribution that serves playback (infra/cdn.ts). Like the web URL it is made
 * after the bucket, and cdn.ts settles it.
 */
const mediaReader = $util.output(
  new Promise<$util.Input<string>>((resolve) => {
    resolveMediaReader = resolve;
  }),
);

export function setMediaReader(distributionArn: $util.Input<string>) {
  resolveMediaReader(distributionArn);
}

/**
 * One reader besides presigned URLs: the playback CDN, through its origin access control, for
 * media/ only. Viewers still need a URL it signed (infra/cdn.ts).
 *
 * Not in the bucket's `policy`: SST resolves the bucket's name, ARN and `nodes` only once the
 * values of `policy` have resolved, and the distribution's origin is the bucket's domain, so a
 * statement naming the distribution there would wait for ever on itself. Added to the policy
 * document instead, after SST has built it: the policy resource alone waits for the distribution.
 */
function withMediaReader(bucketName: $util.Input<string>, document: $util.Input<string>) {
  const partition = aws.getPartitionOutput().partition;
  return aws.iam.getPolicyDocumentOutput({
    sourcePolicyDocuments: [document],
    statements: [
      {
        sid: "PlaybackCdnReadsMedia",
        actions: ["s3:GetObject"],
        principals: [{ type: "Service", identifiers: ["cloudfront.amazonaws.com"] }],
        resources: [$interpolate`arn:${partition}:s3:::${bucketName}/media/*`],
        conditions: [{ test: "StringEquals", variable: "AWS:SourceArn", values: [mediaReader] }],
      },
    ],
  }).json;
}

export const bucket = new sst.aws.Bucket("Media", {
  lifecycle: lifecycleRules,
  // Browsers upload with the presigned POST and may fetch what the API presigns; nothing else.
  // PUT is a multipart part, whose ETag the browser must read to complete the upload.
  cors: {
    allowOrigins: [webUrl],
    allowMethods: ["GET", "HEAD", "POST", "PUT"],
    allowHeaders: ["content-type"],
    exposeHeaders: ["ETag", "Location"],
    maxAge: "1 hour",
  },
  // No `access`: every object is reached through a presigned URL or the signed CDN. Spelled out
  // rather than left to
  // SST's default so that nothing, not even a later `access: "public"`, can open the bucket.
  transform: {
    policy: (args) => {
      args.policy = withMediaReader(args.bucket, args.policy);
    },
    publicAccessBlock: {
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    // SST's lifecycle rules have no AbortIncompleteMultipartUpload field, so it is added here.
    lifecycle: (args) => {
      args.rules = args.rules.map((rule) =>
        abortRules.includes(rule.id)
          ? {
              ...rule,
              abortIncompleteMultipartUpload: {
                daysAfterInitiation: abortIncompleteUploadsAfterDays,
              },
            }
          : rule,
      );
    },
  },
});

// Mirrors tableDefinition() in packages/core/src/dynamo.ts, which computes it from the ElectroDB
// entities; test/infra asserts the two are equal.
export const table = new sst.aws.Dynamo("Table", {
  fields: {
    pk: "string",
    sk: "string",
    gsi1pk: "string",
    gsi1sk: "string",
    gsi2pk: "string",
    gsi2sk: "string",
    gsi3pk: "string",
    gsi3sk: "string",
    gsi4pk: "string",
    gsi4sk: "string",
    gsi5pk: "string",
    gsi5sk: "string",
    gsi6pk: "string",
    gsi6sk: "string",
  },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: {
    gsi1: { hashKey: "gsi1pk", rangeKey: "gsi1sk" },
    gsi2: { hashKey: "gsi2pk", rangeKey: "gsi2sk" },
    gsi3: { hashKey: "gsi3pk", rangeKey: "gsi3sk" },
    gsi4: { hashKey: "gsi4pk", rangeKey: "gsi4sk" },
    gsi5: { hashKey: "gsi5pk", rangeKey: "gsi5sk" },
    gsi6: { hashKey: "gsi6pk", rangeKey: "gsi6sk" },
  },
  deletionProtection: $app.protect,
  // Idempotency keys carry their own expiry (core/idempotency); DynamoDB deletes them after it.
  ttl: "ttl",
});

// No placeholder: a stage cannot deploy until `sst secret set AdminKey` has given it a key.
export const adminKey = new sst.Secret("AdminKey");
