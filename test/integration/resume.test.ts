import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Runtime } from "@rushes/local/runtime";
import { afterAll, expect, it } from "vitest";
import { apiClient } from "../support/api";
import { generateVideo } from "../support/media";
import { postToPresigned, waitUntil } from "./harness";

// S3 events live only in memory locally: an upload whose event was lost (here: the first
// runtime's ingest drops it) is redelivered by the next start and still becomes ready.
let runtime: Runtime | undefined;
const dir = await mkdtemp(join(tmpdir(), "rushes-resume-"));

afterAll(async () => {
  await runtime?.stop();
  await rm(dir, { recursive: true, force: true });
});

it("redelivers the event of an upload that never finished ingest when the runtime restarts", async () => {
  const { startRuntime } = await import("@rushes/local/runtime");
  const dataDir = join(dir, "data");
  runtime = await startRuntime({
    dataDir,
    port: 0,
    quiet: true,
    handlers: { ingest: async () => {} },
  });
  const call = apiClient(() => runtime!.url);
  const api = async (path: string, init: { method?: string; body?: string } = {}) =>
    (await call(runtime!.devKey, init.method ?? "GET", path, undefined, { raw: init.body })).body;
  const file = await generateVideo({ path: join(dir, "lost.mp4"), seconds: 1, fps: 10 });
  const { readFile } = await import("node:fs/promises");
  const bytes = await readFile(file);
  const created = await api("/v1/uploads", {
    method: "POST",
    body: JSON.stringify({ filename: "lost.mp4", contentType: "video/mp4", bytes: bytes.length }),
  });
  expect((await postToPresigned(created.upload, bytes)).status).toBe(204);
  await runtime.idle();
  expect((await api(`/v1/videos/${created.video.id}`)).status).toBe("awaiting_upload");

  const ports = runtime.ports;
  await runtime.stop();
  runtime = await startRuntime({
    dataDir,
    port: 0,
    quiet: true,
    ports: { dynamo: ports.dynamo, s3: ports.s3, sqs: ports.sqs },
  });
  let status = "";
  await waitUntil(
    () => `video ${created.video.id} stuck in ${status}`,
    async () => {
      status = (await api(`/v1/videos/${created.video.id}`)).status;
      return ["ready", "failed", "rejected"].includes(status) ? status : undefined;
    },
  );
  expect(status).toBe("ready");
});
