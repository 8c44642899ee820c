import { describe, expect, it } from "vitest";
import { Dynamo } from "../../src/dynamo";

// Key shapes: endpoints live in their owner's partition; deliveries list newest first per endpoint.

/** The item a new pending delivery of one endpoint writes. */
const deliveryItem = (deliveryId: string, createdAt: number) =>
  (
    Dynamo.entities.webhookDelivery
      .create({
        deliveryId,
        endpointId: "whk_1",
        owner: "alice",
        eventId: "e",
        eventType: "video.ready",
        payload: "{}",
        status: "pending",
        attemptCount: 0,
        createdAt,
      })
      .params() as { Item: Record<string, unknown> }
  ).Item;

describe("webhook entities", () => {
  it("keys an endpoint by owner, so an id from another owner can only miss", () => {
    const params = Dynamo.entities.webhookEndpoint
      .get({ owner: "alice", endpointId: "whk_1" })
      .params() as { Key: Record<string, string> };
    expect(params.Key.pk).toContain("alice");
    expect(params.Key.sk).toContain("whk_1");
    const listing = Dynamo.entities.webhookEndpoint.query.byOwner({ owner: "alice" }).params() as {
      KeyConditionExpression: string;
      ExpressionAttributeValues: Record<string, string>;
    };
    expect(Object.values(listing.ExpressionAttributeValues)).toContain(params.Key.pk);
  });

  it("sorts an endpoint's deliveries by creation time, newest first", () => {
    const params = Dynamo.entities.webhookDelivery.query
      .byEndpoint({ endpointId: "whk_1" })
      .params({ order: "desc" }) as { IndexName: string; ScanIndexForward: boolean };
    expect(params.IndexName).toBe("gsi1");
    expect(params.ScanIndexForward).toBe(false);
    const keys = (createdAt: number) => deliveryItem("msg_x", createdAt).gsi1sk as string;
    // 13-digit epoch ms: string order is time order.
    expect(keys(1_700_000_000_000) < keys(1_800_000_000_000)).toBe(true);
  });

  it("gives each delivery the table's TTL, 30 days after its event", () => {
    const createdAt = 1_800_000_000_000;
    const item = deliveryItem("msg_y", createdAt);
    expect(item.ttl).toBe(createdAt / 1000 + 30 * 24 * 3600);
    // An attempt's update leaves it alone.
    const update = Dynamo.entities.webhookDelivery
      .patch({ deliveryId: "msg_y" })
      .set({ status: "succeeded", attemptCount: 1 })
      .params() as { UpdateExpression: string };
    expect(update.UpdateExpression).not.toContain("ttl");
  });
});
