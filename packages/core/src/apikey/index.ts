import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { Resource } from "sst";
import * as z from "zod";
import { Actor } from "../actor";
import { Dynamo } from "../dynamo";
import { VisibleError } from "../error";
import { fn } from "../fn";

/** Bearer API keys. Only their sha256 is stored; a key is shown once, at creation. */
export namespace ApiKey {
  /** The owner the admin key acts as. Reserved: no ordinary key may claim it. */
  export const adminOwner = "admin";

  export const Owner = z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, "letters, digits, _ . @ - only");

  export const CreateInput = z.object({ owner: Owner }).meta({ id: "CreateKey" });
  export const Created = z.object({ key: z.string(), owner: z.string() }).meta({ id: "Key" });

  export const hash = (key: string) => createHash("sha256").update(key).digest("hex");

  export const generate = () => `rk_${randomBytes(32).toString("base64url")}`;

  export const create = fn(CreateInput, async ({ owner }) => {
    Actor.assertAdmin();
    // Keys are case-exact, so "ADMIN" would be a different owner; refuse it anyway, since a
    // look-alike of the admin's owner name invites confusion in logs and events.
    if (owner.toLowerCase() === adminOwner) {
      throw new VisibleError("conflict", "owner_reserved", `The owner "${adminOwner}" is reserved`);
    }
    const key = generate();
    await Dynamo.entities.apiKey.create({ keyHash: hash(key), owner, createdAt: Date.now() }).go();
    return { key, owner };
  });

  let adminDigest: Buffer | undefined;

  /** The actor for a bearer key, or undefined. The admin key never touches the table. */
  export async function authenticate(key: string): Promise<Actor.Info | undefined> {
    if (key.length < 16 || key.length > 256) return undefined;
    const digest = hash(key);
    adminDigest ??= Buffer.from(hash(Resource.AdminKey.value), "hex");
    if (timingSafeEqual(Buffer.from(digest, "hex"), adminDigest)) {
      return { owner: adminOwner, admin: true };
    }
    const { data } = await Dynamo.entities.apiKey.get({ keyHash: digest }).go();
    return data ? { owner: data.owner, admin: false } : undefined;
  }
}
