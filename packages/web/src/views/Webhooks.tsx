import { useEffect, useState } from "preact/hooks";
import { messageOf } from "../api";
import { LoadMore } from "../components/LoadMore";
import { ErrorText } from "../components/Status";
import { eventChoices, type WebhookDelivery, type WebhookEndpoint, webhooksApi } from "../webhooks";

/** Webhook endpoints: add one (its secret is shown once), see its recent deliveries, retry. */
export function Webhooks() {
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[]>();
  const [open, setOpen] = useState<string>();
  const [secret, setSecret] = useState<{ id: string; secret: string }>();
  const [error, setError] = useState<string>();

  const load = () =>
    webhooksApi.list().then(
      (r) => setEndpoints(r.data),
      (e) => setError(messageOf(e)),
    );
  useEffect(() => void load(), []);

  return (
    <section class="panel" aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading">Webhooks</h2>
      <p class="hint">
        Each event is POSTed to your endpoints, signed as the{" "}
        <a href="https://www.standardwebhooks.com">Standard Webhooks</a> spec says. Verify it with
        the endpoint's secret, and dedupe by <code>webhook-id</code>: delivery is at least once.
      </p>
      <AddEndpoint
        onCreated={(created) => {
          setSecret({ id: created.id, secret: created.secret });
          void load();
        }}
      />
      {secret && (
        <div class="secret" role="status">
          <p>
            The signing secret of <code>{secret.id}</code>. Copy it now: it is not shown again.
          </p>
          <input
            readOnly
            value={secret.secret}
            aria-label="Signing secret"
            onFocus={(e) => e.currentTarget.select()}
          />
          <button type="button" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </div>
      )}
      <ErrorText error={error} />
      {endpoints && !endpoints.length && <p class="empty">No webhooks yet.</p>}
      <ul class="webhook-list">
        {endpoints?.map((endpoint) => (
          <li key={endpoint.id} class="webhook" data-id={endpoint.id}>
            <div class="webhook-head">
              <strong class="webhook-url">{endpoint.url}</strong>
              <span class={`badge badge-${endpoint.status === "enabled" ? "ok" : "bad"}`}>
                {endpoint.status}
              </span>
            </div>
            <p class="code">
              {endpoint.events.join(", ")}
              {endpoint.description ? ` · ${endpoint.description}` : ""}
              {endpoint.disabledReason ? ` · ${endpoint.disabledReason}` : ""}
            </p>
            <div class="actions">
              <button
                type="button"
                aria-expanded={open === endpoint.id}
                onClick={() => setOpen(open === endpoint.id ? undefined : endpoint.id)}
              >
                {open === endpoint.id ? "Hide deliveries" : "Recent deliveries"}
              </button>
              <button
                type="button"
                onClick={async () => {
                  try {
                    const rotated = await webhooksApi.rotate(endpoint.id);
                    setSecret({ id: rotated.id, secret: rotated.secret });
                  } catch (e) {
                    setError(messageOf(e));
                  }
                }}
              >
                Rotate secret
              </button>
              <button
                type="button"
                class="danger-button"
                onClick={async () => {
                  if (!confirm(`Delete the webhook to ${endpoint.url}?`)) return;
                  await webhooksApi.remove(endpoint.id).catch((e) => setError(messageOf(e)));
                  void load();
                }}
              >
                Delete
              </button>
            </div>
            {open === endpoint.id && <Deliveries endpointId={endpoint.id} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function AddEndpoint(props: {
  onCreated: (created: WebhookEndpoint & { secret: string }) => void;
}) {
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState("*");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <form
      class="stack webhook-form"
      aria-label="Add a webhook"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          props.onCreated(await webhooksApi.create({ url: url.trim(), events: [events] }));
          setUrl("");
        } catch (err) {
          setError(messageOf(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <label>
        Endpoint URL
        <input
          name="url"
          type="url"
          required
          placeholder="https://example.com/hooks/rushes"
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </label>
      <label>
        Events
        <select name="events" value={events} onChange={(e) => setEvents(e.currentTarget.value)}>
          {eventChoices.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={busy}>
        Add webhook
      </button>
      <ErrorText error={error} />
    </form>
  );
}

function Deliveries(props: { endpointId: string }) {
  const [items, setItems] = useState<WebhookDelivery[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();

  const load = async (from?: string) => {
    setLoading(true);
    try {
      const page = await webhooksApi.deliveries(props.endpointId, from);
      setItems((old) => (from ? [...old, ...page.data] : page.data));
      setCursor(page.cursor);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setLoading(false);
    }
  };
  useEffect(() => void load(), [props.endpointId]);
  // While an attempt is due, follow it: refresh the first page every 2 s.
  const pending = items.some((d) => d.status === "pending");
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(async () => {
      const page = await webhooksApi.deliveries(props.endpointId).catch(() => undefined);
      if (!page) return;
      const fresh = new Map(page.data.map((d) => [d.id, d]));
      setItems((old) => [
        ...page.data.filter((d) => !old.some((o) => o.id === d.id)),
        ...old.map((o) => fresh.get(o.id) ?? o),
      ]);
    }, 2000);
    return () => clearInterval(timer);
  }, [pending, props.endpointId]);

  return (
    <div class="deliveries">
      <ErrorText error={error} />
      {!loading && !items.length && <p class="empty">No deliveries yet.</p>}
      <ul>
        {items.map((d) => {
          const last = d.attempts.at(-1);
          return (
            <li key={d.id} class="delivery" data-status={d.status}>
              <span class={`badge badge-${tone[d.status]}`}>{d.status}</span>{" "}
              <strong>{d.eventType}</strong> <span class="code">{d.eventId}</span>
              <p class="code">
                {d.attempts.length} attempt{d.attempts.length === 1 ? "" : "s"}
                {last
                  ? ` · last: ${last.statusCode ?? last.error ?? "no answer"} in ${last.latencyMs} ms`
                  : ""}
                {d.nextAttemptAt ? ` · next ${new Date(d.nextAttemptAt).toLocaleString()}` : ""}
              </p>
              <button
                type="button"
                onClick={async () => {
                  try {
                    const updated = await webhooksApi.retry(props.endpointId, d.id);
                    setItems((old) => old.map((x) => (x.id === d.id ? updated : x)));
                  } catch (e) {
                    setError(messageOf(e));
                  }
                }}
              >
                Retry
              </button>
            </li>
          );
        })}
      </ul>
      <LoadMore loading={loading} cursor={cursor} onMore={(c) => void load(c)} />
    </div>
  );
}

const tone = { pending: "busy", succeeded: "ok", failed: "bad" } as const;
