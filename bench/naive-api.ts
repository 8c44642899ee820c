/*
 * The api.initRatio baseline: the same API and dependencies written the way a first draft would.
 * Every domain module is imported up front, the settings are parsed with full zod at load, and
 * every AWS SDK client (plus both S3 presigners and the document client) is constructed at
 * module top level. Bundled like the real handler; never deployed.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MediaConvertClient } from "@aws-sdk/client-mediaconvert";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { ApiKey } from "@rushes/core/apikey";
import { Camera } from "@rushes/core/camera";
import { Clip } from "@rushes/core/clip";
import { ConfigSchema } from "@rushes/core/config";
import { Dynamo } from "@rushes/core/dynamo";
import { logger } from "@rushes/core/log";
import { Storage } from "@rushes/core/storage";
import { Video } from "@rushes/core/video";
import { openapi } from "@rushes/functions/api/openapi";
import { z } from "zod";

export const config = ConfigSchema.extend({ AWS_REGION: z.string().optional() }).parse(process.env);
export const log = logger();

const dynamodb = new DynamoDBClient({});
export const clients = {
  dynamodb,
  documents: DynamoDBDocumentClient.from(dynamodb),
  s3: new S3Client({ forcePathStyle: config.RUSHES_S3_FORCE_PATH_STYLE }),
  sqs: new SQSClient({}),
  sns: new SNSClient({}),
  mediaconvert: new MediaConvertClient({}),
};
export const presigners = { createPresignedPost, getSignedUrl };
export const domain = { Camera, Clip, Dynamo, ApiKey, Storage, Video, openapi };

export { app, handler } from "@rushes/functions/api";
