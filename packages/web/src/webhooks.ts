import { call, v1 } from "./api";

/** Webhook endpoints and their delivery log, through the typed client. */
export const webhooksApi = {
  list: () => call(v1.webhooks.$get()),
  create: (input: { url: string; events?: string[]; description?: string }) =>
    call(v1.webhooks.$post({ json: input })),
  remove: (id: string) => call(v1.webhooks[":id"].$delete({ param: { id } })),
  rotate: (id: string) => call(v1.webhooks[":id"].rotate.$post({ param: { id } })),
  deliveries: (id: string, cursor?: string) =>
    call(
      v1.webhooks[":id"].deliveries.$get({
        param: { id },
        query: { limit: "10", cursor: cursor || undefined },
      }),
    ),
  retry: (id: string, deliveryId: string) =>
    call(v1.webhooks[":id"].deliveries[":deliveryId"].retry.$post({ param: { id, deliveryId } })),
};

export type WebhookEndpoint = Awaited<ReturnType<typeof webhooksApi.list>>["data"][number];
export type WebhookDelivery = Awaited<ReturnType<typeof webhooksApi.deliveries>>["data"][number];

/** What the form offers; the API also takes single types such as `video.failed`. */
export const eventChoices = [
  { value: "*", label: "Every event" },
  { value: "video.*", label: "Videos (video.*)" },
  { value: "clip.*", label: "Clips (clip.*)" },
  { value: "video.ready", label: "video.ready only" },
];
