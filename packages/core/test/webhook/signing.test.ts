import { Webhook as StandardWebhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { isId } from "../../src/id";
import { SecretBox } from "../../src/webhook/secret-box";
import { Signature } from "../../src/webhook/signature";

// Our signer against the spec's own reference library, which receivers will use to verify.
describe("Signature", () => {
  const body = JSON.stringify({ type: "video.ready", id: "vid_1:video.ready", properties: {} });

  it("signs exactly as standardwebhooks does", () => {
    const secret = Signature.generateSecret();
    const at = new Date(1_795_000_000_000);
    const ours = Signature.sign(secret, "msg_1", Math.floor(at.getTime() / 1000), body);
    expect(ours).toBe(new StandardWebhook(secret).sign("msg_1", at, body));
    expect(ours).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it("makes headers that standardwebhooks verifies, and that fail for another body or secret", () => {
    const secret = Signature.generateSecret();
    const headers = Signature.headers([secret], "msg_2", body);
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new StandardWebhook(secret).verify(`${body} `, headers)).toThrow(/signature/i);
    expect(() => new StandardWebhook(Signature.generateSecret()).verify(body, headers)).toThrow();
  });

  it("carries one signature per secret during a rotation; each verifies alone", () => {
    const [current, previous] = [Signature.generateSecret(), Signature.generateSecret()];
    const headers = Signature.headers([current, previous], "msg_3", body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new StandardWebhook(current).verify(body, headers)).toBeTruthy();
    expect(new StandardWebhook(previous).verify(body, headers)).toBeTruthy();
  });

  it("generates 24-byte whsec_ secrets, never the same twice", () => {
    const a = Signature.generateSecret();
    expect(Buffer.from(a.slice(6), "base64")).toHaveLength(24);
    expect(a).not.toBe(Signature.generateSecret());
  });

  it("derives one delivery id per event and endpoint, shaped like our ids", () => {
    const id = Signature.deliveryId("vid_1:video.ready", "whk_a");
    expect(isId("delivery", id)).toBe(true);
    expect(Signature.deliveryId("vid_1:video.ready", "whk_a")).toBe(id);
    expect(Signature.deliveryId("vid_1:video.ready", "whk_b")).not.toBe(id);
    expect(Signature.deliveryId("vid_2:video.ready", "whk_a")).not.toBe(id);
  });
});

describe("SecretBox", () => {
  it("seals with AES-256-GCM bound to the endpoint, and opens only there", () => {
    const secret = Signature.generateSecret();
    const sealed = SecretBox.seal(secret, "whk_a");
    expect(sealed).not.toContain(secret.slice(6));
    expect(SecretBox.seal(secret, "whk_a")).not.toBe(sealed); // a fresh IV each time
    expect(SecretBox.open(sealed, "whk_a")).toBe(secret);
    expect(() => SecretBox.open(sealed, "whk_b")).toThrow();
    const [v, iv, tag, data] = sealed.split(".");
    const flipped = Buffer.from(data!, "base64url");
    flipped[0]! ^= 1;
    expect(() =>
      SecretBox.open([v, iv, tag, flipped.toString("base64url")].join("."), "whk_a"),
    ).toThrow();
  });
});
