import { createHmac, timingSafeEqual } from "node:crypto";
import { Resource } from "sst";
import { VisibleError } from "../error";
import { isId } from "../id";

/**
 * Playback tokens: `{videoId}.{expiry, epoch seconds in base 36}.{HMAC}`, or, for an instant
 * clip, `{videoId}.{expiry}.{startMs}-{endMs} in base 36.{HMAC}`. The token is the whole
 * capability (no API key rides along with a `<video>` request), so it carries nothing but the
 * video id, its expiry and its range, and any edit to one of them breaks the MAC. The MAC covers
 * every field before it, so a ranged token cannot be cut down to a whole-video one either.
 */
export namespace PlaybackToken {
  /** The stretch of the video a clip token plays, in milliseconds from its start. */
  export type Range = { startMs: number; endMs: number };

  // Derived once per process from the deployment's secret, under a label of its own.
  let derived: Buffer | undefined;
  const key = () =>
    (derived ??= createHmac("sha256", "rushes-playback").update(Resource.AdminKey.value).digest());

  const mac = (signed: string) =>
    createHmac("sha256", key()).update(signed).digest().subarray(0, 16);

  /** A token for `videoId` that stops working at `expiresAt` (epoch seconds), optionally for a range. */
  export function sign(videoId: string, expiresAt: number, range?: Range): string {
    const fields = [videoId, expiresAt.toString(36)];
    if (range) fields.push(`${range.startMs.toString(36)}-${range.endMs.toString(36)}`);
    const signed = fields.join(".");
    return `${signed}.${mac(signed).toString("base64url")}`;
  }

  export const invalid = () =>
    new VisibleError("forbidden", "invalid_token", "The playback token is invalid or expired");

  export type Verified = { videoId: string; expiresAt: number; range?: Range };

  /** The video id, expiry and range of a genuine, unexpired token; anything else is `forbidden`. */
  export function verify(token: string, now = Date.now()): Verified {
    const parts = token.split(".");
    if (parts.length !== 3 && parts.length !== 4) throw invalid();
    const given = parts.pop()!;
    const [videoId, expires, ranged] = parts as [string, string, string | undefined];
    if (!videoId || !expires || !given || !isId("video", videoId)) throw invalid();
    if (!/^[0-9a-z]{1,10}$/.test(expires)) throw invalid();
    if (ranged !== undefined && !/^[0-9a-z]{1,10}-[0-9a-z]{1,10}$/.test(ranged)) throw invalid();
    // Compared as text: base64url's last character carries spare bits, so decoding first would
    // accept a few edited tokens as genuine.
    const expected = Buffer.from(mac(parts.join(".")).toString("base64url"));
    const actual = Buffer.from(given);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw invalid();
    const expiresAt = Number.parseInt(expires, 36);
    if (expiresAt * 1000 <= now) throw invalid();
    if (ranged === undefined) return { videoId, expiresAt };
    const [startMs, endMs] = ranged.split("-").map((v) => Number.parseInt(v, 36)) as [
      number,
      number,
    ];
    return { videoId, expiresAt, range: { startMs, endMs } };
  }
}
