import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createAsyncInvoker } from "../src/invoker";
import type { Log } from "../src/log";

// The local ingest slots: two, shared fairly between owners, as Lambda would give each its own.
const noop = () => {};
const silentLog: Log = { debug: noop, info: noop, warn: noop, error: noop };

/** Events are "owner:n"; each holds a slot until released, so the test decides what finishes. */
function harness(
  options: {
    group?: boolean;
    lookupMs?: (owner: string) => number;
    /** Every lookup waits for `open()`, so they all answer in one go, however busy the machine. */
    gated?: boolean;
  } = {},
) {
  const started: string[] = [];
  let open = () => {};
  const gate = options.gated
    ? new Promise<void>((resolve) => {
        open = resolve;
      })
    : Promise.resolve();
  const release = new Map<string, () => void>();
  const invoker = createAsyncInvoker<string>({
    name: "test",
    log: silentLog,
    concurrency: 2,
    handler: (event) =>
      new Promise<void>((resolve) => {
        started.push(event);
        release.set(event, resolve);
      }),
    ...(options.group === false
      ? {}
      : {
          group: async (event: string) => {
            const owner = event.split(":")[0]!;
            if (options.gated) await gate;
            else await new Promise((r) => setTimeout(r, options.lookupMs?.(owner) ?? 0));
            return owner;
          },
        }),
  });
  // With fake timers, every pending lookup, pump and release runs to its end: no guess at how
  // long a busy machine takes.
  const settle = () => vi.runAllTimersAsync();
  const finish = async (event: string) => {
    release.get(event)!();
    if (vi.isFakeTimers()) await settle();
  };
  return { invoker, started, finish, settle, open };
}

describe("fair ingest slots", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives a second owner the next free slot, however long the first owner's backlog", async () => {
    const { invoker, started, finish, settle } = harness();
    for (let i = 1; i <= 6; i++) invoker.push(`hostile:${i}`);
    await settle();
    invoker.push("victim:1");
    await settle();
    expect(started).toEqual(["hostile:1", "hostile:2"]);
    // One hostile upload finishes: the victim goes next, ahead of four older hostile ones.
    await finish("hostile:1");
    expect(started).toEqual(["hostile:1", "hostile:2", "victim:1"]);
    await finish("hostile:2");
    await finish("victim:1");
    expect(started.slice(3)).toEqual(["hostile:3", "hostile:4"]);
    for (const e of ["hostile:3", "hostile:4", "hostile:5", "hostile:6"]) await finish(e);
    await invoker.idle(1000);
  });

  it("takes turns between owners with backlogs, and never holds both slots for one of them", async () => {
    const { invoker, started, finish, settle, open } = harness({ gated: true });
    for (let i = 1; i <= 3; i++) invoker.push(`a:${i}`);
    for (let i = 1; i <= 3; i++) invoker.push(`b:${i}`);
    // Both backlogs are known before a slot is given: on a busy machine b's lookups could
    // otherwise answer a timer tick after a's, and a would fairly take both free slots.
    open();
    await settle();
    expect(started).toEqual(["a:1", "b:1"]);
    await finish("a:1");
    await finish("b:1");
    await finish("a:2");
    await finish("b:2");
    expect(started).toEqual(["a:1", "b:1", "a:2", "b:2", "a:3", "b:3"]);
    await finish("a:3");
    await finish("b:3");
    await invoker.idle(1000);
  });

  it("without groups, stays first in, first out", async () => {
    const { invoker, started, finish, settle } = harness({ group: false });
    for (const e of ["x:1", "y:1", "x:2", "y:2"]) invoker.push(e);
    await settle();
    await finish("x:1");
    await finish("y:1");
    expect(started).toEqual(["x:1", "y:1", "x:2", "y:2"]);
    await finish("x:2");
    await finish("y:2");
    await invoker.idle(1000);
  });
});

describe("idle and stop, on real timers", () => {
  it("counts events whose group is still being looked up as busy, and stops cleanly", async () => {
    const { invoker, started } = harness({ lookupMs: () => 50 });
    invoker.push("slow:1");
    // slow:1 is still in its group lookup, so the invoker is busy and idle() gives up.
    await expect(invoker.idle(20)).rejects.toThrow(
      /test: not idle after 20 ms \(0 running, 1 queued\)/,
    );
    await vi.waitFor(() => expect(started).toEqual(["slow:1"]));
    invoker.push("slow:2");
    const stopped = invoker.stop(200);
    await stopped;
    expect(started).toEqual(["slow:1"]);
  });

  it("idle() rejects at its timeout while a handler runs, and resolves once it is done", async () => {
    const { invoker, started, finish } = harness({ group: false });
    invoker.push("held:1");
    await vi.waitFor(() => expect(started).toEqual(["held:1"]));
    await expect(invoker.idle(50)).rejects.toThrow(/not idle after 50 ms \(1 running, 0 queued\)/);
    const idle = invoker.idle(5000);
    await finish("held:1");
    await expect(idle).resolves.toBeUndefined();
  });
});

describe("the recorder (RUSHES_AWS_RECORD_DIR)", () => {
  it("runs each invocation as its function, and records a dropped event's trip to its on-failure queue", async () => {
    const { mkdtemp, readdir, readFile, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { Config } = await import("@rushes/core/config");
    const { AwsRecord } = await import("@rushes/core/aws-record");
    const dir = await mkdtemp(join(tmpdir(), "rushes-invoker-record-"));
    const before = process.env.RUSHES_AWS_RECORD_DIR;
    process.env.RUSHES_AWS_RECORD_DIR = dir;
    Config.reset();
    try {
      let attempts = 0;
      const invoker = createAsyncInvoker<string>({
        name: "ingest",
        function: "Ingest",
        onFailure: "IngestFailures",
        log: silentLog,
        retryDelaysMs: [0],
        handler: async () => {
          attempts++;
          // What the handler's own code asks is recorded under the function it runs as.
          AwsRecord.presigned("s3:GetObject", "rushes-local-media", "uploads/vid_x/source");
          throw new Error("always fails");
        },
      });
      invoker.push("event");
      await invoker.idle(10_000);
      expect(attempts).toBe(2);
      const lines = [];
      for (const file of await readdir(dir)) {
        lines.push(
          ...(await readFile(join(dir, file), "utf8"))
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l)),
        );
      }
      expect(lines).toEqual([
        {
          function: "Ingest",
          action: "s3:GetObject",
          component: "Media",
          path: "uploads/vid_x/source",
        },
        { function: "Ingest", action: "sqs:SendMessage", component: "IngestFailures" },
      ]);
    } finally {
      if (before === undefined) delete process.env.RUSHES_AWS_RECORD_DIR;
      else process.env.RUSHES_AWS_RECORD_DIR = before;
      Config.reset();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
