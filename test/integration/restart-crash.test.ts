import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { treeNames } from "../../bench/procs";
import { generateVideo } from "../support/media";
import { postToPresigned, waitUntil } from "./harness";

// `kill -9` of the whole of `npm start` (runtime, stand-ins and every ffmpeg) mid-transcode,
// then a restart on the same data dir: start-up reclaims every lease at once, so each in-flight
// video is ready again within 2 minutes, with no lease timeout to wait out (it stays at the
// default 15 minutes here).
const root = join(import.meta.dirname, "../..");
const dir = await mkdtemp(join(tmpdir(), "rushes-restart-"));
const dataDir = join(dir, "data");
const devKey = "rk_restart_test_dev_key_0123456789abcdef";
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }
  }
  await rm(dir, { recursive: true, force: true });
});

/** `npm start`'s entry point in its own process group, like a terminal session. */
async function start(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "packages/local/src/main.ts"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: "0",
      RUSHES_DATA_DIR: dataDir,
      RUSHES_DEV_KEY: devKey,
      RUSHES_THUMBNAIL_WIDTHS: "300",
      RUSHES_LOG_LEVEL: "warn",
    },
  });
  children.push(child);
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL after 60 s:\n${output}`)), 60_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /running at (http:\/\/localhost:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("exit", (code) => reject(new Error(`runtime exited ${code}:\n${output}`)));
  });
  return { child, url };
}

const api = async (url: string, path: string, body?: unknown) => {
  const res = await fetch(`${url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${devKey}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return res.json();
};

it("finishes every in-flight video within 2 minutes of a restart after kill -9", async () => {
  const first = await start();
  const files = await Promise.all(
    [0, 1].map((i) =>
      generateVideo({ path: join(dir, `v${i}.mp4`), width: 960, height: 540, seconds: 6 }),
    ),
  );
  const ids: string[] = [];
  for (const file of files) {
    const bytes = await readFile(file);
    const created = await api(first.url, "/v1/uploads", {
      filename: "v.mp4",
      contentType: "video/mp4",
      bytes: bytes.length,
    });
    expect((await postToPresigned(created.upload, bytes)).status).toBe(204);
    ids.push(created.video.id);
  }
  // Both leased (the runtime runs two ingests at once), then ffmpeg gets going.
  await waitUntil(
    () => "the uploads never both reached processing",
    async () => {
      const statuses = await Promise.all(
        ids.map(async (id) => (await api(first.url, `/v1/videos/${id}`)).status),
      );
      return statuses.every((s) => s === "processing") ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  // Both transcodes are under way (two ffmpeg processes in the runtime's tree): kill then,
  // mid-transcode, and check that neither was done yet. Output is stored only as a run ends, so
  // waiting for it would race the first video's finish.
  await waitUntil(
    () => "the runtime never ran two ffmpeg processes at once",
    async () =>
      treeNames(first.child.pid!).filter((n) => n === "ffmpeg").length >= 2 ? true : undefined,
    { timeoutMs: 60_000, intervalMs: 50 },
  );
  for (const id of ids) {
    expect((await api(first.url, `/v1/videos/${id}`)).status, id).toBe("processing");
  }
  const exited = new Promise((r) => first.child.on("exit", r));
  process.kill(-first.child.pid!, "SIGKILL");
  await exited;

  const restartedAt = Date.now();
  const second = await start();
  const upMs = Date.now() - restartedAt;
  for (const id of ids) {
    const video = await api(second.url, `/v1/videos/${id}`);
    expect(["processing", "ready"], `${id} after the restart`).toContain(video.status);
  }
  const finished = await waitUntil(
    () => "in-flight videos did not settle within 2 minutes of the restart",
    async () => {
      const videos = await Promise.all(ids.map((id) => api(second.url, `/v1/videos/${id}`)));
      return videos.every((v) => ["ready", "failed", "rejected"].includes(v.status))
        ? videos
        : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  const recoveryMs = Date.now() - restartedAt;
  console.log(
    `restart recovery: up after ${upMs} ms; ${ids.length} in-flight videos ready after ${recoveryMs} ms`,
  );
  for (const video of finished) {
    expect(video.status, JSON.stringify(video.error)).toBe("ready");
    expect(video.attempts).toBe(2);
    const history = (await api(second.url, `/v1/videos/${video.id}/events`)).data.map(
      (e: { type: string }) => e.type,
    );
    expect(history.filter((t: string) => t === "ready")).toHaveLength(1);
  }
  expect(recoveryMs).toBeLessThan(120_000);
  process.kill(-second.child.pid!, "SIGTERM");
}, 300_000);
