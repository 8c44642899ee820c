import { createHmac, timingSafeEqual } from "node:crypto";
import { Resource } from "sst";
import { VisibleError } from "./error";

/**
 * Opaque pagination cursors. ElectroDB's cursor is a readable LastEvaluatedKey, which a client
 * could edit to start a query inside another owner's partition. We sign it together with the
 * query's scope (owner + filters), so an edited cursor, or one reused across scopes, is a 400.
 */
export namespace Cursor {
  // Derived once per process: the secret does not change while the function is warm.
  let derived: Buffer | undefined;
  const key = () =>
    (derived ??= createHmac("sha256", "rushes-cursor").update(Resource.AdminKey.value).digest());

  const sign = (scope: string, inner: string) =>
    createHmac("sha256", key()).update(`${scope}\n${inner}`).digest().subarray(0, 16);

  export function encode(scope: string, inner: string | null | undefined): string | null {
    if (!inner) return null;
    return `${Buffer.from(inner).toString("base64url")}.${sign(scope, inner).toString("base64url")}`;
  }

  export function decode(scope: string, cursor: string | undefined): string | undefined {
    if (cursor === undefined) return undefined;
    const invalid = new VisibleError("input", "invalid_cursor", "The cursor is invalid or expired");
    const [body, mac, extra] = cursor.split(".");
    if (!body || !mac || extra !== undefined) throw invalid;
    const inner = Buffer.from(body, "base64url").toString();
    const expected = sign(scope, inner);
    const given = Buffer.from(mac, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid;
    return inner;
  }
}
