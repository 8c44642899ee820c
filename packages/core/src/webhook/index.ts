import * as z from "zod";
import { Actor } from "../actor";
import { conditional } from "../conditional";
import { Cursor } from "../cursor";
import { Dynamo } from "../dynamo";
import { notFound, VisibleError } from "../error";
import { fn } from "../fn";
import { createId, isId } from "../id";
import { WebhookDelivery } from "./delivery";
import { EndpointInput } from "./endpoint-input";
import { enqueue } from "./queue";
import {
  CreateInput,
  DeliveriesInput,
  type DeliveryInfo,
  type DeliveryItem,
  DeliveryInfo as DeliverySchema,
  type EndpointItem,
  Info,
  WithSecret,
} from "./schema";
import { SecretBox } from "./secret-box";
import { Signature } from "./signature";

export { matches } from "./schema";

/** Webhook endpoints of the current owner: create, list, rotate, the delivery log, redelivery. */
export namespace Webhook {
  export const Schema = {
    CreateInput,
    Info,
    WithSecret,
    DeliveryInfo: DeliverySchema,
    DeliveriesInput,
  };
  export type Info = z.infer<typeof Info>;

  /** How long the previous secret keeps signing after a rotation. */
  export const rotationOverlapMs = 24 * 3600 * 1000;
  /** Endpoints per owner: each event is one write and one request per endpoint. */
  export const maxEndpoints = 20;

  export const create = fn(CreateInput, async (input) => {
    const owner = Actor.owner();
    const url = await EndpointInput.url(input.url);
    const events = EndpointInput.events(input.events ?? ["*"]);
    await takeSlot(owner);
    const endpointId = createId("webhook");
    const secret = Signature.generateSecret();
    const created = Dynamo.entities.webhookEndpoint
      .create({
        endpointId,
        owner,
        url,
        events,
        ...(input.description ? { description: input.description } : {}),
        status: "enabled",
        secret: SecretBox.seal(secret, endpointId),
        createdAt: Date.now(),
      })
      .go();
    const { data } = await created.catch(async (error: unknown) => {
      await freeSlot(owner);
      throw error;
    });
    return { ...serialize(data as EndpointItem), secret };
  });

  /**
   * Takes one of the owner's `maxEndpoints` slots with one conditional ADD on the owner's counter
   * item: a read-then-create would let concurrent creates all see room for one. An owner from
   * before the counter existed gets it counted once from the endpoints themselves.
   */
  async function takeSlot(owner: string) {
    const counter = Dynamo.entities.webhookCount;
    const { data: current } = await counter.get({ owner }).go({ consistent: true });
    if (!current) {
      const { data: existing } = await Dynamo.entities.webhookEndpoint.query
        .byOwner({ owner })
        .go({ pages: "all", attributes: ["endpointId"] });
      // Only the first writer's count stands; endpoints made since all went through the counter.
      await conditional(counter.create({ owner, count: existing.length }).go());
    }
    const taken = await conditional(
      counter
        .patch({ owner })
        .add({ count: 1 })
        .where((a, op) => op.lt(a.count, maxEndpoints))
        .go(),
    );
    if (!taken) {
      throw new VisibleError(
        "conflict",
        "too_many_webhooks",
        `At most ${maxEndpoints} webhooks per owner`,
      );
    }
  }

  async function freeSlot(owner: string) {
    await conditional(
      Dynamo.entities.webhookCount
        .patch({ owner })
        .subtract({ count: 1 })
        .where((a, op) => op.gt(a.count, 0))
        .go(),
    );
  }

  export async function list(): Promise<{ data: Info[] }> {
    const { data } = await Dynamo.entities.webhookEndpoint.query
      .byOwner({ owner: Actor.owner() })
      .go({ pages: "all", order: "desc" });
    return { data: data.map((e) => serialize(e as EndpointItem)) };
  }

  export async function get(id: string): Promise<Info> {
    return serialize(await load(id));
  }

  /** Removes the endpoint and its delivery log; queued attempts then find nothing to send. */
  export async function remove(id: string): Promise<void> {
    const endpoint = await load(id);
    // Only the delete that removed it frees its slot: two concurrent deletes free one.
    const removed = await conditional(
      Dynamo.entities.webhookEndpoint.remove({ owner: endpoint.owner, endpointId: id }).go(),
    );
    if (removed) await freeSlot(endpoint.owner);
    const { data } = await Dynamo.entities.webhookDelivery.query
      .byEndpoint({ endpointId: id })
      .go({ pages: "all", attributes: ["deliveryId"] });
    for (let i = 0; i < data.length; i += 25) {
      await Dynamo.entities.webhookDelivery.delete(data.slice(i, i + 25)).go();
    }
  }

  /** A new secret; the current one becomes the previous and keeps signing for 24 hours. */
  export async function rotate(id: string) {
    const endpoint = await load(id);
    const secret = Signature.generateSecret();
    const now = Date.now();
    const written = await conditional(
      Dynamo.entities.webhookEndpoint
        .patch({ owner: endpoint.owner, endpointId: id })
        .set({
          secret: SecretBox.seal(secret, id),
          previousSecret: endpoint.secret,
          previousSecretExpiresAt: now + rotationOverlapMs,
        })
        .where((a, op) => op.eq(a.secret, endpoint.secret))
        .go({ response: "all_new" }),
    );
    if (!written) {
      throw new VisibleError(
        "conflict",
        "rotation_in_progress",
        "The secret was rotated concurrently",
      );
    }
    return { ...serialize(written.data as EndpointItem), secret };
  }

  export const deliveries = fn(
    DeliveriesInput.extend({ id: z.string() }),
    async ({ id, limit, cursor }) => {
      await load(id);
      const scope = JSON.stringify([Actor.owner(), "webhook-deliveries", id]);
      const page = await Dynamo.entities.webhookDelivery.query
        .byEndpoint({ endpointId: id })
        .go({ cursor: Cursor.decode(scope, cursor), count: limit, limit, order: "desc" });
      return {
        data: page.data.map((d) => serializeDelivery(d as DeliveryItem)),
        cursor: Cursor.encode(scope, page.cursor),
      };
    },
  );

  /**
   * Redelivers at once: one more attempt with the same `webhook-id` and body. If it fails, the
   * schedule continues from the attempts made so far (none are left after the last one).
   */
  export async function retry(id: string, deliveryId: string): Promise<DeliveryInfo> {
    const endpoint = await load(id);
    const delivery = isId("delivery", deliveryId)
      ? await WebhookDelivery.load(deliveryId)
      : undefined;
    if (!delivery || delivery.endpointId !== endpoint.endpointId) throw notFound("Delivery");
    if (endpoint.status !== "enabled") {
      throw new VisibleError(
        "conflict",
        "webhook_disabled",
        `The webhook is disabled: ${endpoint.disabledReason ?? ""}`.trim(),
      );
    }
    const now = Date.now();
    const written = await conditional(
      Dynamo.entities.webhookDelivery
        .patch({ deliveryId })
        .set({ status: "pending", nextAttemptAt: now, manualAttempt: delivery.attemptCount })
        // One manual retry per attempt number: the ones that lose the race make no attempt.
        .where(
          (a, op) =>
            `${op.eq(a.attemptCount, delivery.attemptCount)} AND (${op.notExists(
              a.manualAttempt,
            )} OR ${op.lt(a.manualAttempt, delivery.attemptCount)})`,
        )
        .go({ response: "all_new" }),
    );
    if (!written)
      throw new VisibleError(
        "conflict",
        "attempt_in_progress",
        "An attempt is already queued or being recorded; try again once it is",
      );
    try {
      await enqueue({ deliveryId, attempt: delivery.attemptCount, manual: true });
    } catch (error) {
      // Nothing was queued: free the retry for the next request.
      await conditional(
        Dynamo.entities.webhookDelivery
          .patch({ deliveryId })
          .remove(["manualAttempt"])
          .where((a, op) => op.eq(a.manualAttempt, delivery.attemptCount))
          .go(),
      );
      throw error;
    }
    return serializeDelivery(written.data as DeliveryItem);
  }

  async function load(id: string): Promise<EndpointItem> {
    if (!isId("webhook", id)) throw notFound("Webhook");
    const { data } = await Dynamo.entities.webhookEndpoint
      .get({ owner: Actor.owner(), endpointId: id })
      .go();
    if (!data) throw notFound("Webhook");
    return data as EndpointItem;
  }

  const iso = (ms: number) => new Date(ms).toISOString();

  export function serialize(item: EndpointItem): Info {
    const overlap = (item.previousSecretExpiresAt ?? 0) > Date.now();
    return {
      id: item.endpointId,
      url: item.url,
      events: item.events,
      ...(item.description ? { description: item.description } : {}),
      status: item.status,
      ...(item.disabledReason ? { disabledReason: item.disabledReason } : {}),
      ...(item.disabledAt ? { disabledAt: iso(item.disabledAt) } : {}),
      ...(overlap ? { previousSecretExpiresAt: iso(item.previousSecretExpiresAt!) } : {}),
      createdAt: iso(item.createdAt),
    };
  }

  export function serializeDelivery(item: DeliveryItem): DeliveryInfo {
    let payload: unknown = item.payload;
    try {
      payload = JSON.parse(item.payload);
    } catch {}
    return {
      id: item.deliveryId,
      eventId: item.eventId,
      eventType: item.eventType,
      status: item.status,
      attempts: (item.attempts ?? []).map((a) => ({ ...a, at: iso(a.at) })),
      ...(item.nextAttemptAt && item.status === "pending"
        ? { nextAttemptAt: iso(item.nextAttemptAt) }
        : {}),
      payload,
      createdAt: iso(item.createdAt),
      updatedAt: iso(item.updatedAt ?? item.createdAt),
    };
  }
}
