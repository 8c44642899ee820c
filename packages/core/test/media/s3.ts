import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { Aws } from "../../src/aws";
import { Config } from "../../src/config";

/**
 * A real s3rver for the media tests, wired the way the local runtime wires it: the standard
 * AWS_ENDPOINT_URL_S3 variable, path-style URLs and s3rver's fixed key pair. Call before
 * anything builds an S3 client.
 */
export async function startS3(bucket: string) {
  const directory = await mkdtemp(join(tmpdir(), "rushes-s3rver-"));
  const server = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
    RUSHES_S3_FORCE_PATH_STYLE: "true",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
  });
  Config.reset();
  Aws.reset();
  return {
    async stop() {
      Aws.reset();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
