// The multipart operations s3rver lacks or leaves loose, answered the way S3 answers them.
import { createHash } from "node:crypto";
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
 * s3rver 3.7 has no ListParts and no AbortMultipartUpload, recreates an aborted upload when a
 * part arrives, completes with any ETag or part size, and reports the result as a plain POST
 * with a single-part ETag. This middleware, placed before s3rver's router, answers those
 * requests like S3 (NoSuchUpload, InvalidPart, InvalidPartOrder, EntityTooSmall, a `-N` ETag
 * and an `ObjectCreated:CompleteMultipartUpload` event), so the API is tested against S3's
 * behaviour rather than the stand-in's gaps. Everything else passes through untouched.
 */
export function multipartMiddleware(S3Error: S3ErrorClass) {
  const noSuchUpload = () =>
    new S3Error(
      "NoSuchUpload",
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    );

  return async function multipart(ctx: KoaContext, next: Next) {
    const uploadId = ctx.query.uploadId;
    const match = /^\/([^/]+)\/(.+)$/.exec(ctx.path);
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
        if (!known) throw noSuchUpload();
        const number = Number(ctx.query.partNumber);
        if (!Number.isInteger(number) || number < 1 || number > maxPartNumber) {
          throw new S3Error(
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
          );
        }
        return next();
      }
      case "GET": {
        if (!known) throw noSuchUpload();
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
        if (!known) throw noSuchUpload();
        await rm(dir, { recursive: true, force: true });
        ctx.status = 204;
        ctx.body = "";
        return;
      }
      case "POST": {
        if (!known) throw noSuchUpload();
        const requested = parseComplete(await readBody(ctx.req));
        if (!requested.length) {
          throw new S3Error(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema",
          );
        }
        const stored = new Map((await storedParts(dir)).map((p) => [p.number, p]));
        let previous = 0;
        requested.forEach((part, i) => {
          if (part.number <= previous) {
            throw new S3Error(
              "InvalidPartOrder",
              "The list of parts was not in ascending order. Parts must be ordered by part number.",
            );
          }
          previous = part.number;
          const found = stored.get(part.number);
          if (!found || found.md5 !== part.etag) {
            throw new S3Error(
              "InvalidPart",
              "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            );
          }
          if (i < requested.length - 1 && found.size < minPartBytes) {
            throw new S3Error(
              "EntityTooSmall",
              "Your proposed upload is smaller than the minimum allowed object size.",
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
