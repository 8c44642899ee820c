import { fileURLToPath } from "node:url";

/**
 * Where the functions' AWS requests go while the tests run (core/src/aws-record), one JSONL file
 * per process; test/iam evaluates them against the stack's IAM. Gitignored (.tmp/).
 */
export const awsRecordDir = fileURLToPath(new URL("../../.tmp/aws-requests", import.meta.url));
