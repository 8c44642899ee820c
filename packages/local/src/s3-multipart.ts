// The multipart operations s3rver lacks or leaves loose, answered the way S3 answers them.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { S3rverEvent } from "s3rver";

/** S3's own limits on parts: every part but the last is at least 5 MiB; numbers run 1..10,000. */
const minPartBytes = 5 * 1024 * 1024;
const maxPartNumber = 10_000;

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  req: NodeJS.ReadableStream;
  status: number;
  body: unknown;
  ip: string;
  app: { emit(event: string, payload: unknown): boolean };
  store: {
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    getMetadata(bucket: string, key: string): Promise<{ etag: string; "content-length": number }>;
    putPart(
      bucket: string,
      uploadId: string,
      partNumber: number,
      content: NodeJS.ReadableStream,
    ): Promise<{ size: number; md5: string }>;
    putObjectMultipart(
      bucket: string,
      uploadId: string,
      parts: Array<{ number: number; etag: string }>,
    ): Promise<{ md5: string; size: number }>;
  };
}
type Next = () => Promise<void>;
type S3ErrorClass = new (code: string, message: string, detail?: object) => Error;

/**
 * s3rver 3.7 has no ListParts, AbortMultipartUpload or UploadPartCopy, ignores
 * x-amz-copy-source-if-match, recreates an aborted upload when a part arrives, completes with
 * any ETag or part size, and reports the result as a plain POST with a single-part ETag. This
 * middleware, placed before s3rver's router, answers those requests like S3 (NoSuchUpload,
 * InvalidPart, InvalidPartOrder, EntityTooSmall, PreconditionFailed, a `-N` ETag and an
 * `ObjectCreated:CompleteMultipartUpload` event), so the API is tested against S3's behaviour
 * rather than the stand-in's gaps. Each error is pinned to a recorded S3 response
 * (test/fixtures/s3-errors.json). Everything else passes through untouched.
 */
export function multipartMiddleware(S3Error: S3ErrorClass) {
  const noSuchUpload = (uploadId: string) =>
    new S3Error(
      "NoSuchUpload",
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
      { UploadId: uploadId },
    );

  return async function multipart(ctx: KoaContext, next: Next) {
    const uploadId = ctx.query.uploadId;
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
    const copySource = ctx.headers["x-amz-copy-source"];
    // CopyObject: s3rver copies, but ignores the condition the copy was made on.
    if (typeof uploadId !== "string" && ctx.method === "PUT" && typeof copySource === "string") {
      await copyCondition(ctx, S3Error, copySource);
      return next();
    }
    if (typeof uploadId !== "string" || !match) return next();
    const bucket = match[1] as string;
    const key = decodeURIComponent(match[2] as string);
    const dir = join(ctx.store.getResourcePath(bucket, undefined, "uploads"), uploadId);
    // s3rver names upload directories by hex id; anything else cannot be one of its uploads.
    const known =
      /^[0-9a-f]+$/.test(uploadId) &&
      (await readFile(join(dir, "key"), "utf8").catch(() => undefined)) === key;

    switch (ctx.method) {
      case "PUT": {
        const number = Number(ctx.query.partNumber);
        if (!Number.isInteger(number) || number < 1 || number > maxPartNumber) {
          throw new S3Error(
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
            { ArgumentName: "partNumber", ArgumentValue: String(ctx.query.partNumber) },
          );
        }
        if (!known) throw noSuchUpload(uploadId);
        if (typeof copySource !== "string") return next();
        // UploadPartCopy: the condition, then the range of the source, as this part.
        const source = await copyCondition(ctx, S3Error, copySource);
        const size = Number(source.metadata["content-length"]);
        const range = copyRange(S3Error, ctx.headers["x-amz-copy-source-range"], size);
        const path = ctx.store.getResourcePath(source.bucket, source.key, "object");
        const { md5 } = await ctx.store.putPart(
          bucket,
          uploadId,
          number,
          createReadStream(path, range),
        );
        ctx.body = {
          CopyPartResult: { LastModified: new Date().toISOString(), ETag: `"${md5}"` },
        };
        return;
      }
      case "GET": {
        if (!known) throw noSuchUpload(uploadId);
        const all = await storedParts(dir);
        const marker = Number(ctx.query["part-number-marker"] ?? 0);
        const max = Math.min(Number(ctx.query["max-parts"] ?? 1000) || 1000, 1000);
        const page = all.filter((p) => p.number > marker).slice(0, max);
        const last = page.at(-1);
        const truncated = last !== undefined && all.some((p) => p.number > last.number);
        ctx.body = {
          ListPartsResult: {
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumberMarker: marker,
            ...(truncated && last ? { NextPartNumberMarker: last.number } : {}),
            MaxParts: max,
            IsTruncated: truncated,
            ...(page.length
              ? {
                  Part: page.map((p) => ({
                    PartNumber: p.number,
                    LastModified: p.modified.toISOString(),
                    ETag: `"${p.md5}"`,
                    Size: p.size,
                  })),
                }
              : {}),
          },
        };
        return;
      }
      case "DELETE": {
        if (!known) throw noSuchUpload(uploadId);
        await rm(dir, { recursive: true, force: true });
        ctx.status = 204;
        ctx.body = "";
        return;
      }
      case "POST": {
        if (!known) throw noSuchUpload(uploadId);
        const requested = parseComplete(await readBody(ctx.req));
        if (!requested.length) {
          throw new S3Error(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema",
          );
        }
        const stored = new Map((await storedParts(dir)).map((p) => [p.number, p]));
        // S3 checks the list's order, then that every part is there, then their sizes.
        requested.forEach((part, i) => {
          if (i > 0 && part.number <= requested[i - 1]!.number) {
            throw new S3Error(
              "InvalidPartOrder",
              "The list of parts was not in ascending order. Parts must be ordered by part number.",
              { UploadId: uploadId },
            );
          }
        });
        for (const part of requested) {
          const found = stored.get(part.number);
          if (!found || found.md5 !== part.etag) {
            throw new S3Error(
              "InvalidPart",
              "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
              { UploadId: uploadId, PartNumber: String(part.number), ETag: part.etag },
            );
          }
        }
        requested.slice(0, -1).forEach((part) => {
          const found = stored.get(part.number)!;
          if (found.size < minPartBytes) {
            throw new S3Error(
              "EntityTooSmall",
              "Your proposed upload is smaller than the minimum allowed size",
              {
                ProposedSize: String(found.size),
                MinSizeAllowed: String(minPartBytes),
                PartNumber: String(part.number),
                ETag: part.etag,
              },
            );
          }
        });
        const combined = createHash("md5");
        for (const part of requested) combined.update(Buffer.from(part.etag, "hex"));
        const etag = `${combined.digest("hex")}-${requested.length}`;
        const { size } = await ctx.store.putObjectMultipart(bucket, uploadId, requested);
        await writeFile(ctx.store.getResourcePath(bucket, key, "object.md5"), etag);
        const event: S3rverEvent = {
          Records: [
            {
              eventName: "ObjectCreated:CompleteMultipartUpload",
              eventTime: new Date().toISOString(),
              requestParameters: { sourceIPAddress: ctx.ip },
              s3: {
                bucket: { name: bucket },
                object: { key, size, eTag: etag, sequencer: Date.now().toString(16).toUpperCase() },
              },
            },
          ],
        };
        ctx.app.emit("event", event);
        ctx.body = {
          CompleteMultipartUploadResult: { Bucket: bucket, Key: key, ETag: `"${etag}"` },
        };
        return;
      }
      default:
        return next();
    }
  };
}

const unquoted = (etag: string) => etag.replace(/^"|"$/g, "");

/**
 * The source of a copy, after its `x-amz-copy-source-if-match` (when sent) held: S3 answers 412
 * PreconditionFailed when the source's ETag is another, and copies nothing.
 */
async function copyCondition(ctx: KoaContext, S3Error: S3ErrorClass, header: string) {
  const path = decodeURIComponent(header.split("?")[0]!).replace(/^\//, "");
  const [bucket = "", ...rest] = path.split("/");
  const key = rest.join("/");
  const metadata = await ctx.store.getMetadata(bucket, key).catch(() => {
    throw new S3Error("NoSuchKey", "The specified key does not exist.", { Key: key });
  });
  const ifMatch = ctx.headers["x-amz-copy-source-if-match"];
  if (typeof ifMatch === "string" && unquoted(ifMatch) !== unquoted(metadata.etag)) {
    throw new S3Error(
      "PreconditionFailed",
      "At least one of the pre-conditions you specified did not hold",
      { Condition: "x-amz-copy-source-If-Match" },
    );
  }
  return { bucket, key, metadata };
}

/** `bytes=first-last` of a source of `size` bytes, as a read stream's inclusive range. */
function copyRange(S3Error: S3ErrorClass, header: unknown, size: number) {
  if (header === undefined) return { start: 0, end: Math.max(0, size - 1) };
  const value = String(header);
  const match = /^bytes=(\d+)-(\d+)$/.exec(value);
  if (!match) {
    throw new S3Error(
      "InvalidArgument",
      "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
      { ArgumentName: "x-amz-copy-source-range", ArgumentValue: value },
    );
  }
  const [start, end] = [Number(match[1]), Number(match[2])];
  if (start > end || end >= size) {
    throw new S3Error(
      "InvalidArgument",
      `Range specified is not valid for source object of size: ${size}`,
      { ArgumentName: "x-amz-copy-source-range", ArgumentValue: value },
    );
  }
  return { start, end };
}

async function storedParts(dir: string) {
  const names = (await readdir(dir)).filter((n) => /^\d+$/.test(n));
  const parts = await Promise.all(
    names.map(async (name) => {
      const [info, md5] = await Promise.all([
        stat(join(dir, name)),
        readFile(join(dir, `${name}.md5`), "utf8").catch(() => undefined),
      ]);
      return md5 === undefined
        ? undefined
        : { number: Number(name), size: info.size, md5, modified: info.mtime };
    }),
  );
  return parts.flatMap((p) => (p ? [p] : [])).sort((a, b) => a.number - b.number);
}

async function readBody(stream: NodeJS.ReadableStream) {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** `<Part><PartNumber>n</PartNumber><ETag>"…"</ETag></Part>…`; S3 ignores quotes in ETags. */
function parseComplete(xml: string) {
  return Array.from(xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g), ([, inner = ""]) => ({
    number: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(inner)?.[1] ?? Number.NaN),
    etag: (/<ETag>([\s\S]*?)<\/ETag>/.exec(inner)?.[1] ?? "").replace(/&quot;|&#34;|"/g, "").trim(),
  }));
}
