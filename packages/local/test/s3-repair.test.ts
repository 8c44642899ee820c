import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, expect, it } from "vitest";
import { partialSuffix } from "../src/s3-atomic";
import { type StandIns, startStandIns } from "../src/stand-ins";
import { tempDir } from "./helpers";

// kill -9 of `npm start` while s3rver writes an object leaves its metadata cut short; s3rver
// then fails every listing that reaches it with a 500, and the restart with it. The stand-ins
// drop such an object on start, as S3 never shows a PUT that did not complete.
const bucket = "rushes-repair-test";
const common = {
  region: "us-east-1",
  credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  forcePathStyle: true,
};
let data: Awaited<ReturnType<typeof tempDir>>;
let standIns: StandIns | undefined;

afterAll(async () => {
  await standIns?.stop();
  await data?.remove();
});

const start = () => startStandIns({ dataDir: data.dir, host: "127.0.0.1", ports: {}, bucket });

it("drops an object whose write a crash cut short, and lists the rest", async () => {
  data = await tempDir("rushes-repair-");
  standIns = await start();
  let s3 = new S3Client({ ...common, endpoint: standIns.endpoints.s3 });
  for (const key of ["media/vid_1/a.m4s", "media/vid_1/b.m4s"]) {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  }
  s3.destroy();
  await standIns.stop();

  // The crash: b.m4s's metadata was being written.
  const files = await readdir(join(data.dir, "s3"), { recursive: true });
  const torn = files.find((f) => f.includes("b.m4s") && f.endsWith("metadata.json"));
  expect(torn).toBeDefined();
  await writeFile(join(data.dir, "s3", torn!), '{"content-type": "applic');

  standIns = await start();
  s3 = new S3Client({ ...common, endpoint: standIns.endpoints.s3 });
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "media/" }));
  s3.destroy();
  expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(["media/vid_1/a.m4s"]);
});

it("removes the files of writes a crash cut off before their rename, keeping the objects", async () => {
  await standIns?.stop();
  await data?.remove();
  data = await tempDir("rushes-repair-partial-");
  standIns = await start();
  let s3 = new S3Client({ ...common, endpoint: standIns.endpoints.s3 });
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "media/vid_2/a.m4s", Body: "whole" }));
  s3.destroy();
  await standIns.stop();

  // The crash: a new version of a.m4s was being written beside it (s3-atomic.ts).
  const files = await readdir(join(data.dir, "s3"), { recursive: true });
  const object = files.find((f) => f.includes("a.m4s") && f.endsWith("_object"))!;
  const partial = `${object}.0a1b2c3d4e5f${partialSuffix}`;
  await writeFile(join(data.dir, "s3", partial), "half a new vers");

  standIns = await start();
  s3 = new S3Client({ ...common, endpoint: standIns.endpoints.s3 });
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: "media/vid_2/a.m4s" }));
  expect(await got.Body!.transformToString()).toBe("whole");
  s3.destroy();
  expect(await readdir(join(data.dir, "s3"), { recursive: true })).not.toContain(partial);
});
