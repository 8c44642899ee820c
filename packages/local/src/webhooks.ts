// Webhooks in the local runtime: the same queues, subscription and handlers as a deployed stage.
import { type SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { accountId, region, sleep } from "./lambda";
import type { Log } from "./log";
import { createQueueWithDlq } from "./provision";
import { type SqsPoller, startSqsPoller, watchDeadLetters } from "./sqs-poller";

/** Physical names, as infra/webhooks.ts names the queues. */
export const webhookQueues = {
  dispatch: "rushes-local-webhook-dispatch",
  dispatchDlq: "rushes-local-webhook-dispatch-dlq",
  delivery: "rushes-local-webhook-deliveries",
  deliveryDlq: "rushes-local-webhook-deliveries-dlq",
} as const;

/** `Resource.X` for the webhook code, set before core loads (fauxqs URLs are predictable). */
export function webhookResources(sqsPort: number, devKey: string) {
  return {
    WebhookDeliveryQueue: {
      url: `http://sqs.${region}.localhost:${sqsPort}/${accountId}/${webhookQueues.delivery}`,
    },
    // Locally the endpoint secrets are sealed under a key derived from the dev key.
    WebhookKey: { value: devKey },
  };
}

export interface LocalWebhook {
  id: string;
  url: string;
  secret: string;
}

export interface Webhooks {
  /** The endpoints registered from `RUSHES_LOCAL_WEBHOOKS` for the dev owner. */
  registered: LocalWebhook[];
  /**
   * Resolves when neither webhook queue has a message visible or in flight (delayed ones aside);
   * rejects if they have not emptied by `timeoutMs`.
   */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Events topic → dispatch queue (+ DLQ) → `webhook-dispatch.handler` → delivery queue (+ DLQ)
 * → `webhook-send.handler`, as infra maps them, with the same redrive counts. fauxqs keeps
 * messages in memory, so pending deliveries are re-sent on start.
 */
export async function startWebhooks(options: {
  sqs: SQSClient;
  sns: SNSClient;
  topicArn: string;
  log: Log;
  /** URLs to register for the dev owner, once each (`RUSHES_LOCAL_WEBHOOKS`). */
  urls?: string[];
}): Promise<Webhooks> {
  const { sqs, log } = options;
  const settings = { visibilityTimeoutSeconds: 60, maxReceiveCount: 5 };
  const dispatch = await createQueueWithDlq(
    sqs,
    webhookQueues.dispatch,
    webhookQueues.dispatchDlq,
    settings,
  );
  const delivery = await createQueueWithDlq(
    sqs,
    webhookQueues.delivery,
    webhookQueues.deliveryDlq,
    settings,
  );
  await options.sns.send(
    new SubscribeCommand({ TopicArn: options.topicArn, Protocol: "sqs", Endpoint: dispatch.arn }),
  );

  const [{ handler: dispatchHandler }, { handler: sendHandler }, { WebhookDelivery }] =
    await Promise.all([
      import("@rushes/functions/webhook-dispatch"),
      import("@rushes/functions/webhook-send"),
      import("@rushes/core/webhook/delivery"),
    ]);
  const pollers: SqsPoller[] = [
    startSqsPoller({
      name: "webhook-dispatch",
      sqs,
      queueUrl: dispatch.url,
      queueArn: dispatch.arn,
      handler: dispatchHandler,
      mapping: { function: "WebhookDispatcher", queue: "WebhookDispatchQueue" },
      log,
    }),
    startSqsPoller({
      name: "webhook-send",
      sqs,
      queueUrl: delivery.url,
      queueArn: delivery.arn,
      handler: sendHandler,
      mapping: { function: "WebhookSender", queue: "WebhookDeliveryQueue" },
      log,
    }),
  ];
  const unwatch = [
    watchDeadLetters({
      sqs,
      dlqUrl: dispatch.dlqUrl,
      what: "event(s) could not be dispatched to webhooks and",
      log,
    }),
    watchDeadLetters({
      sqs,
      dlqUrl: delivery.dlqUrl,
      what: "webhook delivery message(s) failed and",
      log,
    }),
  ];

  const requeued = await WebhookDelivery.requeuePending();
  if (requeued) log.info(`re-sent ${requeued} pending webhook delivery(ies)`);
  const registered = await register(options.urls ?? []);
  for (const hook of registered) log.info(`webhook ${hook.id} → ${hook.url}`);

  const busy = async () => {
    for (const url of [dispatch.url, delivery.url]) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      if (
        Number(Attributes.ApproximateNumberOfMessages) +
          Number(Attributes.ApproximateNumberOfMessagesNotVisible) >
        0
      )
        return true;
    }
    return false;
  };

  return {
    registered,
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (await busy()) {
        if (Date.now() >= deadline) {
          throw new Error(`webhooks: deliveries still queued or in flight after ${timeoutMs} ms`);
        }
        await sleep(100);
      }
    },
    async stop() {
      for (const stop of unwatch) stop();
      await Promise.all(pollers.map((p) => p.stop()));
    },
  };
}

/** Registers each URL for the dev (admin) owner unless it already has an endpoint there. */
async function register(urls: string[]): Promise<LocalWebhook[]> {
  if (!urls.length) return [];
  const [{ Actor }, { Webhook }, { ApiKey }, { Dynamo }, { SecretBox }] = await Promise.all([
    import("@rushes/core/actor"),
    import("@rushes/core/webhook"),
    import("@rushes/core/apikey"),
    import("@rushes/core/dynamo"),
    import("@rushes/core/webhook/secret-box"),
  ]);
  const owner = ApiKey.adminOwner;
  return Actor.provide({ owner, admin: true }, async () => {
    const { data: existing } = await Dynamo.entities.webhookEndpoint.query
      .byOwner({ owner })
      .go({ pages: "all" });
    const out: LocalWebhook[] = [];
    for (const url of urls) {
      const normalized = new URL(url).toString();
      const found = existing.find((e) => e.url === normalized && e.status === "enabled");
      if (found) {
        out.push({
          id: found.endpointId,
          url: normalized,
          secret: SecretBox.open(found.secret, found.endpointId),
        });
      } else {
        const created = await Webhook.create({
          url: normalized,
          description: "RUSHES_LOCAL_WEBHOOKS",
        });
        out.push({ id: created.id, url: created.url, secret: created.secret });
      }
    }
    return out;
  });
}
