// Runs the real ingest handler in its own process, as a Lambda invocation would: the crash test kills it.
import { handler } from "@rushes/functions/ingest";

await handler(JSON.parse(process.env.RUSHES_TEST_EVENT ?? "{}"));
