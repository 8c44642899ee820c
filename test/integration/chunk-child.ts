// Runs the real chunk worker on one SQS event in its own process, as one Lambda invocation would.
// It stops right after storing its first HLS segment and tells the parent, which then kills it:
// a worker that dies (timeout, out of memory) part-way through writing its chunk's segments.
import { AwsRecord } from "@rushes/core/aws-record";
import { Storage } from "@rushes/core/storage";
import { handler } from "@rushes/functions/chunk-worker";

const upload = Storage.upload;
Storage.upload = async (...args: Parameters<typeof upload>) => {
  const bytes = await upload(...args);
  if (args[0].endsWith(".m4s")) {
    process.send?.({ wrote: args[0] });
    // Held here, alive, until the parent's SIGKILL.
    setInterval(() => {}, 60_000);
    await new Promise(() => {});
  }
  return bytes;
};

const event = JSON.parse(process.env.RUSHES_TEST_EVENT ?? "{}");
process.send?.({ result: await AwsRecord.as("ChunkWorker", () => handler(event)) });
