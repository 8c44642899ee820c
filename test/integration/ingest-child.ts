// Runs the real ingest handler in its own process, as a Lambda invocation would: the crash test kills it.
import { AwsRecord } from "@rushes/core/aws-record";
import { handler } from "@rushes/functions/ingest";

await AwsRecord.as("Ingest", () => handler(JSON.parse(process.env.RUSHES_TEST_EVENT ?? "{}")));
