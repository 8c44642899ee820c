// URL ingest test helpers: a real video padded to any size, and what s3rver holds of a fetch.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Pattern } from "./origin";

/**
 * A real video followed by one top-level MP4 `free` box (its 64-bit size form) filling the file
 * to `size` bytes with a seeded pattern: players and ffprobe skip the box, so a 200 MB file
 * ingests as cheaply as the few hundred KB of video in front. Made on the fly, never held whole.
 */
export async function paddedVideo(file: string, size: number, seed = 7) {
  const video = await readFile(file);
  const box = Buffer.alloc(16);
  box.writeUInt32BE(1, 0);
  box.write("free", 4, "latin1");
  box.writeBigUInt64BE(BigInt(size - video.length), 8);
  const head = Buffer.concat([video, box]);
  const content = (start: number, end: number) => {
    const fromHead = head.subarray(Math.min(start, head.length), Math.min(end, head.length));
    if (end <= head.length) return Buffer.from(fromHead);
    const padStart = Math.max(start, head.length) - head.length;
    return Buffer.concat([fromHead, Pattern.slice(seed, padStart, end - head.length)]);
  };
  const hash = createHash("sha256");
  for (let pos = 0; pos < size; pos += 1024 ** 2) {
    hash.update(content(pos, Math.min(size, pos + 1024 ** 2)));
  }
  return { size, content, sha256: hash.digest("hex") };
}

/** The sha256 and size of a stored object, streamed. */
export async function storedObject(s3: S3Client, bucket: string, key: string) {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of out.Body as Readable) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha256: hash.digest("hex"), bytes };
}

/**
 * The multipart uploads still open for `key`. s3rver has no ListMultipartUploads, so this reads
 * its upload directories (one per upload, holding `key`).
 */
export async function openUploads(dataDir: string, bucket: string, key: string) {
  const root = join(dataDir, "s3", bucket, "._S3rver_uploads");
  const ids = await readdir(root).catch(() => [] as string[]);
  const open: string[] = [];
  for (const uploadId of ids) {
    const owner = await readFile(join(root, uploadId, "key"), "utf8").catch(() => undefined);
    if (owner === key) open.push(uploadId);
  }
  return open;
}
