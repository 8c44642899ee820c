import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Resource } from "sst";
import { Aws } from "../aws";
import { AwsRecord } from "../aws-record";
import { Config } from "../config";
import { inParallel } from "../parallel";

export { Multipart } from "./multipart";
export { ObjectKeys } from "./object-keys";

export namespace Storage {
  export const bucket = () => Resource.Media.name;

  export interface PresignedPost {
    method: "POST";
    url: string;
    fields: Record<string, string>;
    expiresAt: string;
    maxBytes: number;
  }

  /**
   * A browser-ready POST policy. S3 enforces every condition; the local stand-in does not, so
   * ingest re-checks size and type itself. No ACL field: the bucket blocks public access.
   */
  export async function presignPost(input: {
    key: string;
    contentType: string;
    bytes: number;
    /** Defaults to RUSHES_UPLOAD_EXPIRES_SECONDS; a re-signed POST keeps its first expiry. */
    expiresInSeconds?: number;
  }): Promise<PresignedPost> {
    const expires = input.expiresInSeconds ?? Config.get().RUSHES_UPLOAD_EXPIRES_SECONDS;
    AwsRecord.presigned("s3:PutObject", bucket(), input.key);
    const { url, fields } = await createPresignedPost(await Aws.s3(), {
      Bucket: bucket(),
      Key: input.key,
      Conditions: [
        ["content-length-range", 1, input.bytes],
        ["eq", "$Content-Type", input.contentType],
      ],
      Fields: { "Content-Type": input.contentType },
      Expires: expires,
    });
    return {
      method: "POST",
      url,
      fields,
      expiresAt: new Date(Date.now() + expires * 1000).toISOString(),
      maxBytes: input.bytes,
    };
  }

  /** A short-lived GET; `filename` makes browsers save it under its original name. */
  export async function presignGet(key: string, options: { filename?: string } = {}) {
    const command = new GetObjectCommand({
      Bucket: bucket(),
      Key: key,
      ...(options.filename
        ? { ResponseContentDisposition: contentDisposition(options.filename) }
        : {}),
    });
    return getSignedUrl(await Aws.s3(), command, {
      expiresIn: Config.get().RUSHES_DOWNLOAD_EXPIRES_SECONDS,
    });
  }

  /**
   * A GET for rushes' own ffmpeg runs (a chunk worker reading its byte range of the source):
   * valid for the longest run a function may make, never handed to a client.
   */
  export async function presignRead(key: string) {
    const command = new GetObjectCommand({ Bucket: bucket(), Key: key });
    return getSignedUrl(await Aws.s3(), command, {
      expiresIn: Config.get().RUSHES_FFMPEG_TIMEOUT_SECONDS + 300,
    });
  }

  export async function head(key: string) {
    const s3 = await Aws.s3();
    try {
      const out = await s3.send(new HeadObjectCommand({ Bucket: bucket(), Key: key }));
      return {
        bytes: out.ContentLength ?? 0,
        contentType: out.ContentType ?? "",
        etag: out.ETag,
        lastModified: out.LastModified?.getTime(),
      };
    } catch (error) {
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata
        ?.httpStatusCode;
      if (status === 404 || (error as Error).name === "NotFound") return undefined;
      throw error;
    }
  }

  /** Streams an object to a local file (sources and recordings can be large). */
  export async function download(key: string, path: string, from = bucket()) {
    const object = await (await Aws.s3()).send(new GetObjectCommand({ Bucket: from, Key: key }));
    await pipeline(object.Body as NodeJS.ReadableStream, createWriteStream(path));
  }

  /** A small object rushes writes and reads back itself (a manifest): stored as given. */
  export async function putText(key: string, text: string, contentType: string) {
    await (await Aws.s3()).send(
      new PutObjectCommand({ Bucket: bucket(), Key: key, Body: text, ContentType: contentType }),
    );
  }

  /** The text of a small object rushes wrote itself. */
  export async function getText(key: string) {
    const object = await (await Aws.s3()).send(
      new GetObjectCommand({ Bucket: bucket(), Key: key }),
    );
    return object.Body!.transformToString("utf8");
  }

  /** Streams a local file up and returns its size. No ACL: the bucket blocks public access. */
  export async function upload(key: string, path: string, contentType: string, to = bucket()) {
    const { size } = await stat(path);
    await (await Aws.s3()).send(
      new PutObjectCommand({
        Bucket: to,
        Key: key,
        Body: createReadStream(path),
        ContentLength: size,
        ContentType: contentType,
      }),
    );
    return size;
  }

  /** Parts of a multipart copy (RUSHES_S3_COPY_PART_BYTES), and how many go at once. */
  export const copyPartBytes = () => Config.get().RUSHES_S3_COPY_PART_BYTES;
  export const copiesAtOnce = 16;

  /**
   * Copies an object to `to`, type and metadata kept, inside S3 (nothing passes through the
   * function). The copy is conditional on the ETag that was validated, so a re-post in between
   * cannot slip through. An object over one part (`copyPartBytes`, when `bytes` is given) is
   * copied as a multipart upload of part copies, sixteen at a time: S3 refuses a single copy over
   * 5 GiB, and parallel parts move a long source in seconds rather than a minute. If the source
   * changes mid-copy (a re-post), S3 refuses the next part (412) and the copy is aborted.
   */
  export async function copy(
    from: string,
    to: string,
    opts: { etag?: string; bytes?: number } = {},
  ) {
    const s3 = await Aws.s3();
    const source = `${bucket()}/${from.split("/").map(encodeURIComponent).join("/")}`;
    const ifMatch = opts.etag ? { CopySourceIfMatch: opts.etag } : {};
    const bytes = opts.bytes ?? 0;
    const partBytes = copyPartBytes();
    if (!Config.get().RUSHES_S3_PART_COPY || bytes <= partBytes) {
      await s3.send(
        new CopyObjectCommand({ Bucket: bucket(), Key: to, CopySource: source, ...ifMatch }),
      );
      return;
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket(), Key: from }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket(),
        Key: to,
        ...(head.ContentType ? { ContentType: head.ContentType } : {}),
        ...(head.Metadata ? { Metadata: head.Metadata } : {}),
      }),
    );
    try {
      const count = Math.ceil(bytes / partBytes);
      const etags: string[] = [];
      const parts = Array.from({ length: count }, (_, i) => i);
      await inParallel(parts, copiesAtOnce, async (i) => {
        const first = i * partBytes;
        const last = Math.min(bytes, first + partBytes) - 1;
        const out = await s3.send(
          new UploadPartCopyCommand({
            Bucket: bucket(),
            Key: to,
            UploadId,
            PartNumber: i + 1,
            CopySource: source,
            CopySourceRange: `bytes=${first}-${last}`,
            ...ifMatch,
          }),
        );
        etags[i] = out.CopyPartResult?.ETag ?? "";
      });
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket(),
          Key: to,
          UploadId,
          MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        }),
      );
    } catch (error) {
      // The parts copied so far would be stored (and billed) until a lifecycle rule ran.
      await s3
        .send(new AbortMultipartUploadCommand({ Bucket: bucket(), Key: to, UploadId }))
        .catch(() => {});
      throw error;
    }
  }

  export async function remove(key: string) {
    await (await Aws.s3()).send(new DeleteObjectCommand({ Bucket: bucket(), Key: key }));
  }

  /** Deletes every object under the prefixes (outputs are many; sources are one). */
  export async function removePrefixes(prefixes: string[]) {
    const s3 = await Aws.s3();
    for (const prefix of prefixes) {
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket(), Prefix: prefix, ContinuationToken: token }),
        );
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (keys.length) {
          await s3.send(
            new DeleteObjectsCommand({ Bucket: bucket(), Delete: { Objects: keys, Quiet: true } }),
          );
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
  }

  /** The bytes stored under a prefix (a video's outputs, for its owner's storage quota). */
  export async function prefixBytes(prefix: string) {
    const s3 = await Aws.s3();
    let total = 0;
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket(), Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) total += o.Size ?? 0;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return total;
  }

  /** RFC 6266: an ASCII fallback plus the UTF-8 name, with quotes and controls stripped. */
  export function contentDisposition(filename: string) {
    const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
    return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
  }
}
