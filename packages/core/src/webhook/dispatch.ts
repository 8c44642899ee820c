import { conditional } from "../conditional";
import { Dynamo } from "../dynamo";
import { Events } from "../event/schema";
import { logger } from "../log";
import { enqueue } from "./queue";
import { matches } from "./schema";
import { Signature } from "./signature";

/** Fans published events out to webhook deliveries: the WebhookDispatcher's domain. */
export namespace WebhookDispatch {
  /**
   * One published event (the SNS message, verbatim: it is the body every attempt signs) → one
   * delivery per matching endpoint of the event's owner. Safe to repeat: the delivery id is a
   * hash of the event and endpoint ids, so a duplicate event finds its delivery already there.
   */
  export async function dispatch(message: string, now = Date.now()): Promise<number> {
    const envelope = Events.Envelope.parse(JSON.parse(message));
    const owner = envelope.properties.owner;
    if (typeof owner !== "string") {
      logger().warn({ eventId: envelope.id }, "event without an owner; no webhooks");
      return 0;
    }
    const { data: endpoints } = await Dynamo.entities.webhookEndpoint.query
      .byOwner({ owner })
      .go({ pages: "all" });
    let queued = 0;
    for (const endpoint of endpoints) {
      if (endpoint.status !== "enabled" || !matches(endpoint.events, envelope.type)) continue;
      const deliveryId = Signature.deliveryId(envelope.id, endpoint.endpointId);
      const created = await conditional(
        Dynamo.entities.webhookDelivery
          .create({
            deliveryId,
            endpointId: endpoint.endpointId,
            owner,
            eventId: envelope.id,
            eventType: envelope.type,
            payload: message,
            status: "pending",
            attemptCount: 0,
            attempts: [],
            nextAttemptAt: now,
            createdAt: now,
          })
          .go(),
      );
      // A duplicate event, or a retry after a crash between the write and the send: if the
      // first attempt has not happened, send again (the attempt's lease dedupes the two).
      const existing = created
        ? undefined
        : (await Dynamo.entities.webhookDelivery.get({ deliveryId }).go()).data;
      if (created || (existing?.status === "pending" && existing.attemptCount === 0)) {
        await enqueue({ deliveryId, attempt: 0 });
        queued++;
      }
    }
    return queued;
  }
}
