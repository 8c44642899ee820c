import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { Resource } from "sst";

/**
 * Endpoint secrets at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the SST secret
 * `WebhookKey` (locally, the dev key). The endpoint id is the additional data, so a ciphertext
 * copied onto another endpoint does not decrypt. Stored as `v1.<iv>.<tag>.<ciphertext>`.
 */
export namespace SecretBox {
  let derived: Buffer | undefined;
  const key = () =>
    (derived ??= Buffer.from(
      hkdfSync("sha256", Resource.WebhookKey.value, "rushes", "webhook-endpoint-secrets", 32),
    ));

  export function seal(plain: string, endpointId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key(), iv).setAAD(Buffer.from(endpointId));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    const b64 = (b: Buffer) => b.toString("base64url");
    return `v1.${b64(iv)}.${b64(cipher.getAuthTag())}.${b64(body)}`;
  }

  export function open(sealed: string, endpointId: string): string {
    const [version, iv, tag, body] = sealed.split(".");
    if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("bad sealed secret");
    const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"))
      .setAAD(Buffer.from(endpointId))
      .setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([
      decipher.update(Buffer.from(body, "base64url")),
      decipher.final(),
    ]).toString("utf8");
  }
}
