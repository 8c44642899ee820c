import { createHmac, timingSafeEqual } from "node:crypto";
import { Resource } from "sst";
import { VisibleError } from "../error";
import { isId } from "../id";

/**
 * Playback tokens: `{videoId}.{expiry, epoch seconds in base 36}.{HMAC}`. The token is the whole
 * capability (no API key rides along with a `<video>` request), so it carries nothing but the
 * video id and its expiry, and any edit to either breaks the MAC.
 */
export namespace PlaybackToken {
  // Derived once per process from the deployment's secret, under a label of its own.
  let derived: Buffer | undefined;
  const key = () =>
    (derived ??= createHmac("sha256", "rushes-playback").update(Resource.AdminKey.value).digest());

  const mac = (videoId: string, expires: string) =>
    createHmac("sha256", key()).update(`${videoId}.${expires}`).digest().subarray(0, 16);

  /** A token for `videoId` that stops working at `expiresAt` (epoch seconds). */
  export function sign(videoId: string, expiresAt: number): string {
    const expires = expiresAt.toString(36);
    return `${videoId}.${expires}.${mac(videoId, expires).toString("base64url")}`;
  }

  export const invalid = () =>
    new VisibleError("forbidden", "invalid_token", "The playback token is invalid or expired");

  /** The video id and expiry of a genuine, unexpired token; anything else is `forbidden`. */
  export function verify(token: string, now = Date.now()): { videoId: string; expiresAt: number } {
    const [videoId, expires, given, extra] = token.split(".");
    if (!videoId || !expires || !given || extra !== undefined || !isId("video", videoId)) {
      throw invalid();
    }
    if (!/^[0-9a-z]{1,10}$/.test(expires)) throw invalid();
    // Compared as text: base64url's last character carries spare bits, so decoding first would
    // accept a few edited tokens as genuine.
    const expected = Buffer.from(mac(videoId, expires).toString("base64url"));
    const actual = Buffer.from(given);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw invalid();
    const expiresAt = Number.parseInt(expires, 36);
    if (expiresAt * 1000 <= now) throw invalid();
    return { videoId, expiresAt };
  }
}
