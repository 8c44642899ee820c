import { conditional } from "../conditional";
import { Config } from "../config";
import { Dynamo } from "../dynamo";
import { logger } from "../log";
import { enqueue } from "./queue";
import { disableAfterMs, Schedule } from "./schedule";
import type { DeliveryItem, EndpointItem, Message } from "./schema";
import { SecretBox } from "./secret-box";
import { Signature } from "./signature";

import { post } from "./transport";

/**
 * The delivery side of webhooks (dispatch.ts fans events out): make each attempt, on the
 * schedule, until a 2xx, a 410 or the last attempt. At least once: a
 * receiver dedupes by `webhook-id`, which is the same for every attempt of one delivery.
 */
export namespace WebhookDelivery {
  export type Outcome = "succeeded" | "retrying" | "failed" | "waiting" | "skipped";

  /** Slack for an attempt's lease beyond its timeout (DNS, connect, the writes around it). */
  const leaseSlackMs = 30_000;

  export async function load(deliveryId: string): Promise<DeliveryItem | undefined> {
    const { data } = await Dynamo.entities.webhookDelivery.get({ deliveryId }).go();
    return (data as DeliveryItem | null) ?? undefined;
  }

  /** Makes the attempt a queue message asks for, if it is still due and still the next one. */
  export async function send(message: Message, now = Date.now()): Promise<Outcome> {
    let delivery = await load(message.deliveryId);
    // The attempt before this one sends this message a moment before it records itself.
    for (let i = 0; i < 5 && delivery && message.attempt > delivery.attemptCount; i++) {
      await new Promise((r) => setTimeout(r, 200));
      delivery = await load(message.deliveryId);
    }
    if (delivery?.status !== "pending") return "skipped";
    // A stale duplicate: that attempt was made already (or a manual retry overtook it).
    if (message.attempt < delivery.attemptCount) return "skipped";
    // Still not recorded (or never will be): let SQS bring the message back later.
    if (message.attempt > delivery.attemptCount) {
      throw new Error(
        `delivery ${delivery.deliveryId} has not recorded attempt ${message.attempt - 1} yet`,
      );
    }
    const due = delivery.nextAttemptAt ?? now;
    if (due > now + 1000) {
      // Longer than SQS can delay: wait in 15-minute hops, recording nothing new.
      await enqueue(message, Schedule.queueDelaySeconds(due, now));
      return "waiting";
    }
    const { data: endpoint } = await Dynamo.entities.webhookEndpoint
      .get({ owner: delivery.owner, endpointId: delivery.endpointId })
      .go();
    if (!endpoint) return "skipped";
    if (endpoint.status !== "enabled") {
      await finish(delivery, { status: "failed" });
      return "failed";
    }
    const timeoutMs = Config.get().RUSHES_WEBHOOK_TIMEOUT_SECONDS * 1000;
    const leased = await conditional(
      Dynamo.entities.webhookDelivery
        .patch({ deliveryId: delivery.deliveryId })
        .set({ leaseUntil: now + timeoutMs + leaseSlackMs })
        .where(
          (a, op) =>
            `${op.eq(a.status, "pending")} AND ${op.eq(a.attemptCount, message.attempt)} AND (${op.notExists(
              a.leaseUntil,
            )} OR ${op.lt(a.leaseUntil, now)})`,
        )
        .go(),
    );
    if (!leased) return "skipped";

    const result = await post({
      url: endpoint.url,
      body: delivery.payload,
      headers: Signature.headers(secrets(endpoint, now), delivery.deliveryId, delivery.payload),
      timeoutMs,
      allowPrivate: Config.get().RUSHES_WEBHOOK_ALLOW_LOCAL,
      ports: Config.get().RUSHES_WEBHOOK_PORTS,
    });
    const at = Date.now();
    const code = result.statusCode;
    const ok = code !== undefined && code >= 200 && code < 300;
    const gone = code === 410;
    const next = message.attempt + 1;
    const nextAt = ok || gone ? undefined : Schedule.nextAttemptAt(next, at);
    const status = ok ? "succeeded" : nextAt === undefined ? "failed" : "pending";
    // Enqueue before recording: a crash in between repeats this attempt, never loses the next.
    if (nextAt !== undefined) {
      await enqueue(
        { deliveryId: delivery.deliveryId, attempt: next },
        Schedule.queueDelaySeconds(nextAt, at),
      );
    }
    await finish(delivery, {
      status,
      nextAttemptAt: nextAt,
      attempt: {
        at: now,
        latencyMs: result.latencyMs,
        ...(code !== undefined ? { statusCode: code } : {}),
        ...(result.error ? { error: result.error.slice(0, 500) } : {}),
        ...(result.responseBody ? { responseBody: result.responseBody } : {}),
        ...(message.manual ? { manual: true } : {}),
      },
    });
    await health(endpoint, ok, gone, at);
    logger().info(
      {
        deliveryId: delivery.deliveryId,
        endpointId: endpoint.endpointId,
        attempt: next,
        statusCode: code,
        error: result.error,
      },
      "webhook attempt",
    );
    return ok ? "succeeded" : status === "pending" ? "retrying" : "failed";
  }

  /** The current secret, and the previous one while its rotation overlap lasts. */
  function secrets(endpoint: EndpointItem, now: number): string[] {
    const list = [SecretBox.open(endpoint.secret, endpoint.endpointId)];
    if (endpoint.previousSecret && (endpoint.previousSecretExpiresAt ?? 0) > now) {
      list.push(SecretBox.open(endpoint.previousSecret, endpoint.endpointId));
    }
    return list;
  }

  type Attempt = NonNullable<DeliveryItem["attempts"]>[number];

  async function finish(
    delivery: DeliveryItem,
    change: { status: DeliveryItem["status"]; nextAttemptAt?: number; attempt?: Attempt },
  ) {
    let update = Dynamo.entities.webhookDelivery
      .patch({ deliveryId: delivery.deliveryId })
      .set({
        status: change.status,
        ...(change.attempt ? { attemptCount: delivery.attemptCount + 1 } : {}),
        ...(change.nextAttemptAt !== undefined ? { nextAttemptAt: change.nextAttemptAt } : {}),
      })
      .remove(
        change.nextAttemptAt === undefined ? ["leaseUntil", "nextAttemptAt"] : ["leaseUntil"],
      );
    if (change.attempt) update = update.append({ attempts: [change.attempt] });
    await conditional(
      update
        .where(
          (a, op) =>
            `${op.eq(a.status, "pending")} AND ${op.eq(a.attemptCount, delivery.attemptCount)}`,
        )
        .go(),
    );
  }

  /** Success clears the failing streak; 410, or five days of nothing but failures, disables. */
  async function health(endpoint: EndpointItem, ok: boolean, gone: boolean, now: number) {
    const entity = Dynamo.entities.webhookEndpoint;
    const key = { owner: endpoint.owner, endpointId: endpoint.endpointId };
    if (ok) {
      if (endpoint.failingSince !== undefined)
        await entity.patch(key).remove(["failingSince"]).go();
      return;
    }
    if (gone) return disable(endpoint, "The endpoint answered 410 Gone", now);
    if (endpoint.failingSince === undefined) {
      await conditional(
        entity
          .patch(key)
          .set({ failingSince: now })
          .where((a, op) => op.notExists(a.failingSince))
          .go(),
      );
    } else if (now - endpoint.failingSince >= disableAfterMs) {
      await disable(endpoint, "Every delivery failed for 5 days", now);
    }
  }

  async function disable(endpoint: EndpointItem, reason: string, now: number) {
    const written = await conditional(
      Dynamo.entities.webhookEndpoint
        .patch({ owner: endpoint.owner, endpointId: endpoint.endpointId })
        .set({ status: "disabled", disabledReason: reason, disabledAt: now })
        .where((a, op) => op.eq(a.status, "enabled"))
        .go(),
    );
    if (written) {
      logger().warn(
        {
          event: "webhook.disabled",
          owner: endpoint.owner,
          endpointId: endpoint.endpointId,
          url: endpoint.url,
          reason,
        },
        "webhook.disabled",
      );
    }
  }

  /** After a restart of the local runtime (in-memory queues), pending deliveries are re-sent. */
  export async function requeuePending(): Promise<number> {
    const { data } = await Dynamo.entities.webhookDelivery.query
      .byStatus({ status: "pending" })
      .go({ pages: "all" });
    for (const d of data) await enqueue({ deliveryId: d.deliveryId, attempt: d.attemptCount });
    return data.length;
  }
}
