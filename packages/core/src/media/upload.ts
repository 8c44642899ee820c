import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Aws } from "../aws";

/** Puts finished outputs in the media bucket. No ACL: the bucket blocks public access. */
export namespace Upload {
  /** Streams the file (renditions can be large) and returns its size in bytes. */
  export async function file(bucket: string, key: string, path: string, contentType: string) {
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    const { size } = await stat(path);
    const s3 = await Aws.s3();
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: createReadStream(path),
        ContentLength: size,
        ContentType: contentType,
      }),
    );
    return size;
  }
}
