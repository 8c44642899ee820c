// globalSetup of the integration tier: each run records the functions' AWS requests afresh.
import { rm } from "node:fs/promises";
import { awsRecordDir } from "../support/aws-records";

export default async function clearRecords() {
  await rm(awsRecordDir, { recursive: true, force: true });
}
