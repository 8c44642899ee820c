import { awsRecordDir } from "./support/aws-records";

// Resource names as the local runtime uses them, so ElectroDB can build params in unit tests.
// The runtime overwrites these (with real endpoints) before anything reads them.
const defaults: Record<string, unknown> = {
  App: { name: "rushes", stage: "local" },
  Table: { name: "rushes-local-table" },
  Media: { name: "rushes-local-media" },
  Events: { arn: "arn:aws:sns:us-east-1:000000000000:rushes-local-events" },
  ClipQueue: { url: "http://127.0.0.1:4566/000000000000/rushes-local-clips" },
  ChunkQueue: { url: "http://127.0.0.1:4566/000000000000/rushes-local-chunks" },
  CaptionQueue: { url: "http://127.0.0.1:4566/000000000000/rushes-local-captions" },
  AdminKey: { value: "rk_test_admin_key_for_unit_tests_only" },
  WebhookDeliveryQueue: {
    url: "http://127.0.0.1:4566/000000000000/rushes-local-webhook-deliveries",
  },
  WebhookKey: { value: "rk_test_admin_key_for_unit_tests_only" },
  FetchQueue: { url: "http://127.0.0.1:4566/000000000000/rushes-local-fetches" },
};
for (const [name, value] of Object.entries(defaults)) {
  process.env[`SST_RESOURCE_${name}`] ??= JSON.stringify(value);
}
process.env.AWS_REGION ??= "us-east-1";
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";
process.env.RUSHES_LOG_LEVEL ??= "warn";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// Every test run records the AWS requests its functions make, for the IAM check (test/iam).
process.env.RUSHES_AWS_RECORD_DIR ??= awsRecordDir;
