import { describe, expect, it } from "vitest";
import { Queue } from "../src/queue";

/** A transport that keeps what it is given, as an adapter would receive it. */
function recorder() {
  const sent: { body: string; delaySeconds: number }[] = [];
  const batches: string[][] = [];
  const retries: { receipt: string; seconds: number }[] = [];
  const transport: Queue.Transport = {
    send: async (body, delaySeconds) => void sent.push({ body, delaySeconds }),
    sendBatch: async (bodies) => void batches.push(bodies),
    retryIn: async (receipt, seconds) => void retries.push({ receipt, seconds }),
  };
  return { transport, sent, batches, retries };
}

describe("Queue.port", () => {
  it("sends a message as JSON with its delay bounded to what a queue accepts", async () => {
    const { transport, sent } = recorder();
    Queue.use("clip", transport);
    const clips = Queue.port<{ clipId: string }>("clip");
    await clips.send({ clipId: "clp_1" });
    await clips.send({ clipId: "clp_2" }, { delaySeconds: 12.4 });
    await clips.send({ clipId: "clp_3" }, { delaySeconds: 3600 });
    await clips.send({ clipId: "clp_4" }, { delaySeconds: -5 });
    expect(sent).toEqual([
      { body: '{"clipId":"clp_1"}', delaySeconds: 0 },
      { body: '{"clipId":"clp_2"}', delaySeconds: 12 },
      { body: '{"clipId":"clp_3"}', delaySeconds: Queue.maxDelaySeconds },
      { body: '{"clipId":"clp_4"}', delaySeconds: 0 },
    ]);
  });

  it("hands a batch over whole, skips an empty one, and passes a retry through", async () => {
    const { transport, batches, retries } = recorder();
    Queue.use("chunk", transport);
    const chunks = Queue.port<{ index: number }>("chunk");
    await chunks.sendBatch([]);
    await chunks.sendBatch([{ index: 0 }, { index: 1 }]);
    await chunks.retryIn("receipt-1", 30);
    expect(batches).toEqual([['{"index":0}', '{"index":1}']]);
    expect(retries).toEqual([{ receipt: "receipt-1", seconds: 30 }]);
  });

  it("looks its transport up when sending, so a port made before the install works", async () => {
    const port = Queue.port<{ deliveryId: string; attempt: number }>("webhookDelivery");
    const first = recorder();
    Queue.use("webhookDelivery", first.transport);
    // A handler module loading later installs its own as the fallback: the first one stays.
    const fallback = recorder();
    Queue.use("webhookDelivery", fallback.transport, { fallback: true });
    await port.send({ deliveryId: "dlv_1", attempt: 0 });
    expect(first.sent).toHaveLength(1);
    expect(fallback.sent).toHaveLength(0);
  });
});
