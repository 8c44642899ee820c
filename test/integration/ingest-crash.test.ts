import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import type { S3Event } from "aws-lambda";
import { afterAll, beforeAll, expect, it } from "vitest";
import { handlerChild, killHandlerChildren } from "../support/handler-child";
import { type Harness, startHarness, waitUntil } from "./harness";

// A worker killed mid-transcode leaves its lease behind; once the lease expires, a redelivered
// event takes the video over and finishes it. Each invocation runs in its own process group,
// so SIGKILL takes ffmpeg down with it, like a Lambda sandbox dying.
let h: Harness;
const children: ChildProcess[] = [];

const invokeInChild = (event: S3Event) =>
  new Promise<void>((resolve, reject) => {
    const child = handlerChild(join(import.meta.dirname, "ingest-child.ts"), event);
    children.push(child);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`ingest ${signal ?? code}`)),
    );
  });

beforeAll(async () => {
  h = await startHarness({
    env: {
      RUSHES_PROCESSING_TIMEOUT_SECONDS: "3",
      RUSHES_THUMBNAIL_WIDTHS: "300",
      // This pins the redelivery path; the sweep's own take-overs are pinned in restart-crash.
      RUSHES_SWEEP_INTERVAL_SECONDS: "3600",
    },
    handlers: { ingest: (event: S3Event) => invokeInChild(event) },
  });
});

afterAll(async () => {
  killHandlerChildren();
  await h?.stop();
});

it("finishes a video after its worker is killed mid-transcode and the event is redelivered", async () => {
  const key = await h.newKey("crash");
  const { id } = await h.uploadNew(key, "long.mp4", {
    width: 1280,
    height: 720,
    seconds: 10,
    fps: 25,
  });

  // Once the first worker's ffmpeg has stored output, kill the whole group mid-transcode.
  await h.waitForOutput(id);
  const first = children[0]!;
  expect(first.exitCode, "the first worker finished before it could be killed").toBeNull();
  const exited = new Promise((r) => first.on("exit", r));
  process.kill(-first.pid!, "SIGKILL");
  await exited;

  const stuck = (await h.api(key, "GET", `/v1/videos/${id}`)).body;
  expect(stuck.status).toBe("processing");
  expect(stuck.attempts).toBe(1);

  // Once the lease has expired, a redelivery of the same event takes over.
  const { Lifecycle } = await import("@rushes/core/lifecycle");
  await waitUntil(
    "the dead worker's lease to expire",
    async () => Lifecycle.leaseExpired((await Lifecycle.video.load(id))!),
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const { handler } = await import("@rushes/functions/ingest");
  await handler({
    Records: [
      { s3: { bucket: { name: "rushes-local-media" }, object: { key: `uploads/${id}/source` } } },
    ],
  } as S3Event);
  const video = await h.waitForStatus(key, id, ["ready", "failed", "rejected"], 90_000);
  expect(video.status).toBe("ready");
  expect(video.attempts).toBeGreaterThanOrEqual(2);
  const history = (await h.api(key, "GET", `/v1/videos/${id}/events`)).body.data.map(
    (e: { type: string }) => e.type,
  );
  expect(history.filter((t: string) => t === "ready")).toHaveLength(1);
}, 120_000);
