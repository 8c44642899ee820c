// S3 ObjectCreated on uploads/: hands each new source to the ingest pipeline.

import { Ingest } from "@rushes/core/video/ingest";
import type { S3Event } from "aws-lambda";

export const handler = async (event: S3Event) => {
  await Ingest.handleS3Event(event);
};
