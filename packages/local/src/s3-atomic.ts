// s3rver writes an object's bytes, then its `.md5`, then its `metadata.json`, each in place, and
// answers the PUT before the bytes are flushed. A GET during an overwrite (or just after the PUT)
// then reads a torn object. S3's PUT is atomic, and rushes relies on it: a growing HLS playlist
// is overwritten every couple of seconds while players read it. So each file is written beside
// its place and renamed over it, and the PUT answers once the bytes are on disk.
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

/** What a file being written is called until it is renamed into place. */
export const partialSuffix = ".partial";

type Resource = "object" | "object.md5" | "metadata.json";
type StoredObject = {
  bucket: string;
  key: string;
  metadata: Record<string, string>;
  content: Buffer | NodeJS.ReadableStream;
};
/** The parts of s3rver's FilesystemStore this patches. */
export interface Store {
  getResourcePath(bucket: string, key: string, resource: Resource): string;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  putMetadata(
    bucket: string,
    key: string,
    metadata: Record<string, string>,
    md5?: string,
  ): Promise<void>;
}

export function atomicWrites(store: Store): void {
  const writeMetadata = Object.getPrototypeOf(store).putMetadata as Store["putMetadata"];
  const temporary = () => `.${randomBytes(6).toString("hex")}${partialSuffix}`;

  store.putObject = async (object) => {
    const path = store.getResourcePath(object.bucket, object.key, "object");
    await mkdir(dirname(path), { recursive: true });
    const tmp = path + temporary();
    const md5 = createHash("md5");
    let size = 0;
    const content = Buffer.isBuffer(object.content)
      ? Readable.from([object.content])
      : object.content;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(content, count, createWriteStream(tmp));
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    const digest = md5.digest("hex");
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };

  store.putMetadata = async (bucket, key, metadata, md5) => {
    // s3rver's own writer, pointed at temporary names, then each renamed into place.
    const suffix = temporary();
    const resources: Resource[] = md5 ? ["object.md5", "metadata.json"] : ["metadata.json"];
    const aside: Store = Object.create(store, {
      getResourcePath: {
        value: (b: string, k: string, r: Resource) => store.getResourcePath(b, k, r) + suffix,
      },
    });
    try {
      await writeMetadata.call(aside, bucket, key, metadata, md5);
      for (const r of resources) {
        await rename(aside.getResourcePath(bucket, key, r), store.getResourcePath(bucket, key, r));
      }
    } catch (error) {
      for (const r of resources) await rm(aside.getResourcePath(bucket, key, r), { force: true });
      throw error;
    }
  };
}
