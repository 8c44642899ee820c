// What a function may do to the shared resources: their names as a link delivers them, and short
// lists of rights instead of the links' wildcards.
//
// SST 4.17.1's links grant whole services: a Bucket link s3:* on the bucket and every object, a
// Dynamo link dynamodb:* on the table and its indexes, a Queue link sqs:*, an SnsTopic link sns:*
// (each component's getSSTLink). The functions below get the name the same way a link would
// deliver it (`Resource.X`, from an SST_RESOURCE_X variable) and only the actions listed here.

/** SST_RESOURCE_<name> for each resource, as a link would deliver it, without the link's rights. */
export function names(resources: Record<string, unknown>): Record<string, $util.Output<string>> {
  return Object.fromEntries(
    Object.entries(resources).map(([name, resource]) => [
      `SST_RESOURCE_${name}`,
      sst.Linkable.env([resource]).apply((env) => {
        const value = env[`SST_RESOURCE_${name}`];
        if (!value) throw new Error(`no SST_RESOURCE_${name}: is "${name}" the resource's name?`);
        return value;
      }),
    ]),
  );
}

/**
 * What ElectroDB sends for rushes' entities: get, put/create, patch/update, remove and query.
 * Scan, and the batch delete of a video's history (ElectroDB's delete of many items), only where
 * named.
 */
export function tableRights(
  table: { arn: $util.Output<string> },
  extra: Array<"dynamodb:Scan" | "dynamodb:BatchWriteItem"> = [],
) {
  const scan = extra.filter((action) => action === "dynamodb:Scan");
  const batch = extra.filter((action) => action === "dynamodb:BatchWriteItem");
  // Item actions apply to the table only; an index answers Query and Scan alone.
  return [
    {
      actions: [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        ...batch,
        "dynamodb:Query",
        ...scan,
      ],
      resources: [table.arn],
    },
    { actions: ["dynamodb:Query", ...scan], resources: [$interpolate`${table.arn}/index/*`] },
  ];
}

/**
 * Item actions on the table alone, no Query or Scan: for a function that reads and writes only
 * the records it is told about, by key.
 */
export function itemRights(
  table: { arn: $util.Output<string> },
  actions: Array<
    "dynamodb:GetItem" | "dynamodb:PutItem" | "dynamodb:UpdateItem" | "dynamodb:DeleteItem"
  >,
) {
  return { actions, resources: [table.arn] };
}

/** Publishing domain events (core/event): one Publish per event. */
export function publishRights(topic: { arn: $util.Output<string> }) {
  return { actions: ["sns:Publish"], resources: [topic.arn] };
}

/** Sending to a queue: single messages and batches (SendMessageBatch is authorised as SendMessage). */
export function sendRights(queue: { arn: $util.Output<string> }) {
  return { actions: ["sqs:SendMessage"], resources: [queue.arn] };
}

/**
 * What a Lambda event source mapping needs of the function's role to poll a queue for it: SST
 * grants this only to a subscriber it builds itself, not to one subscribed by ARN. Plus
 * ChangeMessageVisibility where the code itself shortens a failed message's wait.
 */
export function receiveRights(
  queue: { arn: $util.Output<string> },
  options: { changesVisibility?: boolean } = {},
) {
  return {
    actions: [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      ...(options.changesVisibility ? ["sqs:ChangeMessageVisibility"] : []),
    ],
    resources: [queue.arn],
  };
}

/** Object ARNs under each prefix of the bucket: `objects(bucket, "media/")`. */
export function objects(bucket: { arn: $util.Output<string> }, ...prefixes: string[]) {
  return prefixes.map((prefix) => $interpolate`${bucket.arn}/${prefix}*`);
}

/**
 * Listing the bucket, for a function that must tell a missing key from a refused one. S3 answers
 * a GET or HEAD of a missing key with 404 (NoSuchKey, NotFound) only to a role that may list the
 * bucket, and with 403 otherwise; the code takes only 404 for "missing" (Storage.head, the
 * stitch's optional storyboard tiles). It cannot be narrowed by prefix: a GET or HEAD carries no
 * s3:prefix, so a conditioned listing never applies to it.
 */
export function listing(bucket: { arn: $util.Output<string> }) {
  return { actions: ["s3:ListBucket"], resources: [bucket.arn] };
}
