import { afterEach, describe, expect, it, vi } from "vitest";
import { Aws } from "../src/aws";
import { ClipMoves } from "../src/clip/moves";
import { Lifecycle } from "../src/lifecycle";
import { VideoMoves } from "../src/video/moves";
import type { VideoItem } from "../src/video/schema";

// The one place status changes happen: what one transition writes, in which order, and what
// each status declares. The integration tests run the same code against the stand-ins.

type Command = { constructor: { name: string }; input: Record<string, unknown> };

const video = {
  videoId: "vid_01jabcdefghjkmnpqrstvwxyz0",
  owner: "acme",
  filename: "a.mp4",
  contentType: "video/mp4",
  bytes: 10,
  sourceKey: "sources/vid_01jabcdefghjkmnpqrstvwxyz0/source",
  status: "processing",
  attempts: 1,
  uploadExpiresAt: 1_800_000_000_000,
  createdAt: 1_790_000_000_000,
} as VideoItem;

function record() {
  const sent: Command[] = [];
  const published: Record<string, unknown>[] = [];
  vi.spyOn(Aws, "dynamo").mockResolvedValue({
    send: async (command: Command) => {
      sent.push(command);
      if (command.constructor.name !== "UpdateCommand") return {};
      // What DynamoDB would return as ALL_NEW: the record after the update.
      const values = command.input.ExpressionAttributeValues as Record<string, unknown>;
      const after: Record<string, unknown> = { ...video, __edb_e__: "video", __edb_v__: "1" };
      for (const [name, value] of Object.entries(values)) {
        const attribute = /^:(\w+)_u0$/.exec(name)?.[1];
        if (attribute && !attribute.startsWith("gsi") && !attribute.startsWith("__"))
          after[attribute] = value;
      }
      if (String(command.input.UpdateExpression).includes("list_append")) {
        after.outbox = values[":outbox_u0"];
      }
      return { Attributes: after };
    },
  } as never);
  snsSend = async (command: Command) => {
    published.push(JSON.parse(String(command.input.Message)));
    return {};
  };
  const once = Aws.once;
  vi.spyOn(Aws, "once").mockImplementation(async (name, build) =>
    name === "sns" ? ({ send: (c: Command) => snsSend(c) } as never) : once(name, build),
  );
  return { sent, published };
}

let snsSend: (command: Command) => Promise<unknown>;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("Lifecycle.move", () => {
  it("writes status, attributes, outbox entry and due index in one conditional update", async () => {
    const { sent, published } = record();
    const now = 1_795_000_000_000;
    const ready = await Lifecycle.move(Lifecycle.video, video, VideoMoves.ready, {
      set: { renditions: [] },
      detail: { renditions: [] },
      now,
    });
    expect(ready?.status).toBe("ready");
    const [change, history, clear, ...more] = sent;
    expect(more).toHaveLength(0);

    expect(change!.constructor.name).toBe("UpdateCommand");
    const expression = String(change!.input.UpdateExpression);
    expect(expression).toMatch(/#status = :status_u0/);
    expect(expression).toMatch(/#outbox = list_append/);
    expect(expression).toMatch(/#gsi6pk = :gsi6pk_u0/);
    expect(String(change!.input.ConditionExpression)).toMatch(/#status = :status0/);
    const values = change!.input.ExpressionAttributeValues as Record<string, unknown>;
    expect(values[":status0"]).toBe("processing");
    expect(values[":dueScope_u0"]).toBe("video/outbox");
    const [entry] = values[":outbox_u0"] as Lifecycle.OutboxEntry[];
    expect(entry).toMatchObject({ type: "ready", at: now, event: "video.ready" });
    expect(entry!.eventId).toMatch(/^evt_[0-9a-z]{26}$/);

    // The publisher: history under the entry's id, the event under the same id, then the clear.
    expect(history!.constructor.name).toBe("PutCommand");
    expect((history!.input.Item as Record<string, unknown>).eventId).toBe(entry!.eventId);
    expect(published).toEqual([
      expect.objectContaining({
        type: "video.ready",
        id: entry!.eventId,
        at: new Date(now).toISOString(),
      }),
    ]);
    expect(clear!.constructor.name).toBe("UpdateCommand");
    expect(String(clear!.input.UpdateExpression)).toMatch(/REMOVE .*#outbox/);
    // Settled: it leaves the sweep's index.
    expect(String(clear!.input.UpdateExpression)).toMatch(/#gsi6pk/);
    expect(String(clear!.input.ConditionExpression)).toMatch(/size\(#outbox\) = :/);
  });

  it("keeps the change when publishing fails: the entry stays for the sweep", async () => {
    const { sent } = record();
    snsSend = async () => {
      throw new Error("SNS is down");
    };
    const failed = await Lifecycle.move(Lifecycle.video, video, VideoMoves.fail, {
      set: { error: { code: "x", message: "y" } },
    });
    expect(failed?.status).toBe("failed");
    // The status write and the history put happened; no clear did.
    expect(sent.map((c) => c.constructor.name)).toEqual(["UpdateCommand", "PutCommand"]);
  });
});

describe("the move tables", () => {
  it("refuses a move its entity does not list, before writing anything", async () => {
    const { sent } = record();
    const unlisted = { from: ["ready"], to: "processing" } as const;
    await expect(Lifecycle.move(Lifecycle.video, video, unlisted)).rejects.toThrow(
      /ready -> processing is not a listed move/,
    );
    // A clip's move is not a video's either, even with the same statuses.
    await expect(Lifecycle.move(Lifecycle.video, video, ClipMoves.reclaim)).rejects.toThrow(
      /not a listed move/,
    );
    expect(sent).toHaveLength(0);
  });

  it("names the event each status emits, and no other", () => {
    expect(events(VideoMoves)).toEqual({
      ready: "video.ready",
      failed: "video.failed",
      rejected: "video.rejected",
      expired: "video.expired",
      cancelled: "video.cancelled",
      processing: "video.playable",
    });
    expect(events(ClipMoves)).toEqual({
      available: "clip.available",
      not_available: "clip.not_available",
      out_of_range: "clip.not_available",
      failed: "clip.failed",
    });
  });

  it("dates each wait once: an upload's expiry plus grace, a lease's end", () => {
    const now = 1_795_000_000_000;
    expect(Lifecycle.video.table.waits.awaiting_upload!(video, now)).toBe(
      video.uploadExpiresAt + Lifecycle.uploadGraceMs(),
    );
    expect(Lifecycle.video.table.waits.processing!(video, now)).toBe(Lifecycle.leaseEnd(now));
    expect(Lifecycle.leaseEnd(now)).toBe(now + 900_000);
    expect(Lifecycle.video.table.waits.ready).toBeUndefined();
  });

  it("reads a lease as expired from its end, or from its start for older records", () => {
    const now = 1_795_000_000_000;
    expect(Lifecycle.leaseExpired({ ...video, dueAt: now - 1 }, now)).toBe(true);
    expect(Lifecycle.leaseExpired({ ...video, dueAt: now + 1 }, now)).toBe(false);
    expect(Lifecycle.leaseExpired({ ...video, processingStartedAt: now - 901_000 }, now)).toBe(
      true,
    );
    expect(Lifecycle.leaseExpired({ ...video, processingStartedAt: now - 1000 }, now)).toBe(false);
    expect(Lifecycle.leaseExpired({ ...video, status: "ready", dueAt: 0 }, now)).toBe(false);
  });
});

/** Status → the event the moves into it emit. */
function events(moves: Record<string, { to: string; event?: string }>) {
  return Object.fromEntries(
    Object.values(moves).flatMap((m) => (m.event ? [[m.to, m.event]] : [])),
  );
}
