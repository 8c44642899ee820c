// Named re-export: a dynamic import of this file brings only the client class, not every command.
export { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
