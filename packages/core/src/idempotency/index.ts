import { createHash } from "node:crypto";
import { Actor } from "../actor";
import { conditional } from "../conditional";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";

/**
 * Idempotency-Key for creating POSTs, as Stripe does it: the first request under a key runs and
 * its response is kept for 24 h; the same request again gets that response back; a different
 * request under the same key is refused; while the first still runs, a second one answers 409.
 * One conditional put claims a key, so two concurrent requests can never both run.
 */
export namespace Idempotency {
  export const maxKeyLength = 255;
  export const keepMs = 24 * 3600 * 1000;
  /** Longer than the API function's 30 s timeout: a lock this old belongs to a dead request. */
  export const lockMs = 60_000;

  export type Started =
    | { kind: "new" }
    | { kind: "replay"; status: number; body: unknown }
    | { kind: "mismatch" }
    | { kind: "in_progress" };

  /**
   * The limit is on bytes, as the key sits in a DynamoDB key of bounded size: 255 ASCII
   * characters, or 85 CJK ones (3 bytes each in UTF-8).
   */
  export function checkKey(key: string) {
    const bytes = keyBytes(key);
    if (bytes < 1 || bytes > maxKeyLength || /[\r\n]/.test(key)) {
      throw new VisibleError(
        "input",
        "invalid_idempotency_key",
        `Idempotency-Key must be 1 to ${maxKeyLength} bytes (UTF-8)`,
      );
    }
    return key;
  }

  /**
   * Node hands a header over as one character per byte received; a runtime that decoded UTF-8
   * already gives characters above U+00FF, so those are counted as their UTF-8 bytes.
   */
  function keyBytes(key: string) {
    return [...key].some((c) => c.charCodeAt(0) > 0xff)
      ? Buffer.byteLength(key, "utf8")
      : key.length;
  }

  /** The same operation on the same input: key order and whitespace in the JSON do not count. */
  export function fingerprint(method: string, path: string, body: string) {
    let canonical = body;
    try {
      canonical = JSON.stringify(sortKeys(JSON.parse(body)));
    } catch {
      // Not JSON: the raw text is the input (validation answers for it).
    }
    return createHash("sha256").update(`${method} ${path}\n${canonical}`).digest("hex");
  }

  function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeys);
    if (value && typeof value === "object") {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  }

  /** Claims `key` for this request, or says what became of the request that claimed it. */
  export async function begin(
    key: string,
    fingerprint: string,
    now = Date.now(),
  ): Promise<Started> {
    const owner = Actor.owner();
    const entity = Dynamo.entities.idempotency;
    // A claim can vanish between the put and the get (its request failed and released it).
    for (let attempt = 0; attempt < 3; attempt++) {
      const claimed = await conditional(
        entity
          .put({
            owner,
            key,
            fingerprint,
            state: "in_progress",
            lockedUntil: now + lockMs,
            createdAt: now,
            expiresAt: now + keepMs,
            ttl: Math.ceil((now + keepMs) / 1000),
          })
          .where(
            (a, op) =>
              `${op.notExists(a.fingerprint)} OR ${op.lt(a.expiresAt, now)} OR (${op.eq(
                a.state,
                "in_progress",
              )} AND ${op.lt(a.lockedUntil, now)} AND ${op.eq(a.fingerprint, fingerprint)})`,
          )
          .go(),
      );
      if (claimed) return { kind: "new" };
      const { data } = await entity.get({ owner, key }).go({ consistent: true });
      if (!data) continue;
      if (data.fingerprint !== fingerprint) return { kind: "mismatch" };
      if (data.state === "done" && data.statusCode && data.response !== undefined) {
        return { kind: "replay", status: data.statusCode, body: JSON.parse(data.response) };
      }
      return { kind: "in_progress" };
    }
    return { kind: "in_progress" };
  }

  /** Keeps the response the first request made, for replays. */
  export async function complete(key: string, fingerprint: string, status: number, body: unknown) {
    await conditional(
      Dynamo.entities.idempotency
        .patch({ owner: Actor.owner(), key })
        .set({ state: "done", statusCode: status, response: JSON.stringify(body) })
        .where(
          (a, op) => `${op.eq(a.state, "in_progress")} AND ${op.eq(a.fingerprint, fingerprint)}`,
        )
        .go(),
    );
  }

  /** Frees the key after a failed request: nothing was kept, so the client may try again. */
  export async function release(key: string, fingerprint: string) {
    await conditional(
      Dynamo.entities.idempotency
        .delete({ owner: Actor.owner(), key })
        .where(
          (a, op) => `${op.eq(a.state, "in_progress")} AND ${op.eq(a.fingerprint, fingerprint)}`,
        )
        .go(),
    );
  }
}
