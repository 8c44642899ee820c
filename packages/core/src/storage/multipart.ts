import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { Resource } from "sst";
import { Aws } from "../aws";
import { Config } from "../config";
import { VisibleError } from "../error";

const MiB = 1024 ** 2;

/**
 * S3 multipart uploads: the browser PUTs each part straight to S3 through a presigned
 * UploadPart URL; the API only creates, lists, completes and aborts. S3 errors a client can
 * cause become VisibleErrors, so none of them surface as a 500.
 */
export namespace Multipart {
  /** S3's limits: at most 10,000 parts, each (but the last) from 5 MiB to 5 GiB. */
  export const maxParts = 10_000;
  export const minPartBytes = 5 * MiB;
  export const maxPartBytes = 5 * 1024 ** 3;
  /** A POST policy cannot take more than 5 GiB, whatever the threshold says. */
  export const maxPostBytes = 5 * 1024 ** 3;
  /** The bucket's lifecycle rule aborts unfinished uploads this long after they start. */
  export const abortAfterDays = 7;

  export interface Part {
    partNumber: number;
    etag: string;
    bytes: number;
  }

  /**
   * The part size: the configured one, or the smallest whole MiB that keeps the count within
   * 10,000 (5 TiB → 525 MiB × 9,987 parts).
   */
  export function plan(bytes: number, preferred = Config.get().RUSHES_MULTIPART_PART_BYTES) {
    const needed = Math.ceil(Math.ceil(bytes / maxParts) / MiB) * MiB;
    const partSize = Math.max(preferred, needed, minPartBytes);
    return { partSize, partCount: Math.max(1, Math.ceil(bytes / partSize)) };
  }

  /** Whether a declared size uploads in parts. */
  export function wanted(bytes: number, requested = false) {
    return (
      requested || bytes > Config.get().RUSHES_MULTIPART_THRESHOLD_BYTES || bytes > maxPostBytes
    );
  }

  const bucket = () => Resource.Media.name;

  /** The Content-Type is fixed here, once: the parts carry none and the object keeps this one. */
  export async function create(input: { key: string; contentType: string }) {
    const out = await (await Aws.s3()).send(
      new CreateMultipartUploadCommand({
        Bucket: bucket(),
        Key: input.key,
        ContentType: input.contentType,
      }),
    );
    if (!out.UploadId) throw new Error("CreateMultipartUpload returned no UploadId");
    return out.UploadId;
  }

  export async function presignPart(input: { key: string; uploadId: string; partNumber: number }) {
    const expiresIn = Config.get().RUSHES_UPLOAD_EXPIRES_SECONDS;
    const url = await getSignedUrl(
      await Aws.s3(),
      new UploadPartCommand({
        Bucket: bucket(),
        Key: input.key,
        UploadId: input.uploadId,
        PartNumber: input.partNumber,
      }),
      { expiresIn },
    );
    return {
      partNumber: input.partNumber,
      url,
      expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(),
    };
  }

  /** Stores one part from the server itself (a URL fetch); its ETag, as S3 quotes it. */
  export async function uploadPart(input: {
    key: string;
    uploadId: string;
    partNumber: number;
    body: Uint8Array;
    signal?: AbortSignal;
  }): Promise<string> {
    const out = await send(async () =>
      (await Aws.s3()).send(
        new UploadPartCommand({
          Bucket: bucket(),
          Key: input.key,
          UploadId: input.uploadId,
          PartNumber: input.partNumber,
          Body: input.body,
          ContentLength: input.body.byteLength,
        }),
        { abortSignal: input.signal },
      ),
    );
    if (!out.ETag) throw new Error("UploadPart returned no ETag");
    return out.ETag;
  }

  /** Every uploaded part, following ListParts' own pages (1,000 parts each). */
  export async function listParts(input: { key: string; uploadId: string }): Promise<Part[]> {
    const s3 = await Aws.s3();
    const parts: Part[] = [];
    let marker: string | undefined;
    do {
      const page = await send(() =>
        s3.send(
          new ListPartsCommand({
            Bucket: bucket(),
            Key: input.key,
            UploadId: input.uploadId,
            PartNumberMarker: marker,
          }),
        ),
      );
      for (const p of page.Parts ?? []) {
        if (p.PartNumber && p.ETag) {
          parts.push({ partNumber: p.PartNumber, etag: p.ETag, bytes: p.Size ?? 0 });
        }
      }
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
    return parts;
  }

  export async function complete(input: {
    key: string;
    uploadId: string;
    parts: Array<{ partNumber: number; etag: string }>;
  }) {
    await send(async () =>
      (await Aws.s3()).send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket(),
          Key: input.key,
          UploadId: input.uploadId,
          MultipartUpload: {
            Parts: input.parts.map((p) => ({ PartNumber: p.partNumber, ETag: quote(p.etag) })),
          },
        }),
      ),
    );
  }

  /** Frees the parts. S3 may still hold parts being written; a second abort frees those. */
  export async function abort(input: { key: string; uploadId: string }) {
    await send(async () =>
      (await Aws.s3()).send(
        new AbortMultipartUploadCommand({
          Bucket: bucket(),
          Key: input.key,
          UploadId: input.uploadId,
        }),
      ),
    );
  }

  /** S3's ETags are quoted; clients often strip the quotes (S3 compares without them). */
  const quote = (etag: string) => `"${etag.replace(/"/g, "")}"`;

  const clientErrors: Record<string, () => VisibleError> = {
    NoSuchUpload: () =>
      new VisibleError(
        "not_found",
        "upload_not_found",
        "The multipart upload does not exist: it was completed, aborted or expired",
      ),
    InvalidPart: () =>
      new VisibleError(
        "input",
        "invalid_part",
        "A listed part was not uploaded, or its etag does not match the uploaded part",
      ),
    InvalidPartOrder: () =>
      new VisibleError("input", "invalid_part_order", "Parts must be listed in ascending order"),
    EntityTooSmall: () =>
      new VisibleError(
        "input",
        "part_too_small",
        `Every part but the last must be at least ${minPartBytes} bytes`,
      ),
  };

  /** Runs an S3 call, turning the errors a client can cause into VisibleErrors. */
  async function send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const known = clientErrors[(error as Error).name];
      throw known ? known() : error;
    }
  }
}
