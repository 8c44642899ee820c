import { createHash, createHmac, randomBytes } from "node:crypto";

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${body}` with the base64-decoded `whsec_` secret,
 * sent as `v1,<base64>`; several signatures are separated by spaces (during a rotation).
 */
export namespace Signature {
  const prefix = "whsec_";

  /** 24 random bytes, as the spec's reference implementations generate them. */
  export const generateSecret = () => `${prefix}${randomBytes(24).toString("base64")}`;

  export function sign(secret: string, id: string, timestamp: number, body: string) {
    const key = Buffer.from(
      secret.startsWith(prefix) ? secret.slice(prefix.length) : secret,
      "base64",
    );
    const mac = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
    return `v1,${mac}`;
  }

  /** The three headers of one attempt, signed with every secret given (current first). */
  export function headers(secrets: string[], id: string, body: string, at = Date.now()) {
    const timestamp = Math.floor(at / 1000);
    return {
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": secrets.map((s) => sign(s, id, timestamp, body)).join(" "),
    };
  }

  const crockford = "0123456789abcdefghjkmnpqrstvwxyz";

  /**
   * The delivery (and `webhook-id`) for one event at one endpoint: a hash of both, shaped like
   * our other ids (`msg_` + 26 base32 chars), so a redelivered event lands on the same delivery.
   */
  export function deliveryId(eventId: string, endpointId: string) {
    const digest = createHash("sha256").update(`${eventId}\n${endpointId}`).digest();
    let bits = 0n;
    for (const byte of digest.subarray(0, 17)) bits = (bits << 8n) | BigInt(byte);
    let out = "";
    for (let i = 0; i < 26; i++) {
      out = crockford[Number(bits & 31n)] + out;
      bits >>= 5n;
    }
    return `msg_${out}`;
  }
}
