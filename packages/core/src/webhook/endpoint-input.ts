import { Config } from "../config";
import { VisibleError } from "../error";
import { Address } from "../net/address";
import { EventPatterns } from "./schema";

/** What an endpoint may be registered with: its URL and the events it asks for. */
export namespace EndpointInput {
  /** https only; the local runtime also takes http://localhost and http://127.0.0.1. */
  export async function url(raw: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new VisibleError("input", "invalid_url", "url must be an absolute https URL");
    }
    const local = Config.get().RUSHES_WEBHOOK_ALLOW_LOCAL;
    const loopbackHttp =
      url.protocol === "http:" && ["localhost", "127.0.0.1"].includes(url.hostname);
    if (url.protocol !== "https:" && !(local && loopbackHttp)) {
      throw new VisibleError(
        "invalid",
        "https_required",
        local ? "url must be https, or http://localhost or http://127.0.0.1" : "url must be https",
      );
    }
    if (url.username || url.password) {
      throw new VisibleError("input", "invalid_url", "url must not contain credentials");
    }
    const port = Address.refusedPort(url, {
      allowPrivate: local,
      ports: Config.get().RUSHES_WEBHOOK_PORTS,
    });
    if (port) throw new VisibleError("invalid", "port_not_allowed", port);
    if (!local) {
      // Checked again at every attempt; this catches the obvious mistakes now.
      const checked = await Address.check(url.hostname, false);
      if (!checked.ok && !checked.reason.startsWith("DNS")) {
        throw new VisibleError("invalid", "private_address", checked.reason);
      }
    }
    return url.toString();
  }

  /** The event types and patterns asked for, each once; an unknown one is refused. */
  export function events(events: string[]): string[] {
    const unknown = events.filter((e) => !EventPatterns.includes(e));
    if (unknown.length) {
      throw new VisibleError(
        "invalid",
        "unknown_event_type",
        `Unknown event type ${unknown.map((e) => `"${e}"`).join(", ")}; one of ${EventPatterns.join(", ")}`,
      );
    }
    return [...new Set(events)];
  }
}
