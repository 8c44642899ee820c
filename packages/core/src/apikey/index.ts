import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { Resource } from "sst";
import * as z from "zod";
import { Actor } from "../actor";
import { conditional } from "../conditional";
import { Cursor } from "../cursor";
import { Dynamo } from "../dynamo";
import { notFound, VisibleError } from "../error";
import { fn } from "../fn";
import { createId, isId } from "../id";
import { Owner as OwnerShape } from "../shapes";
import { PageInput } from "../video/schema";

/** Bearer API keys. Only their sha256 is stored; a key is shown once, at creation. */
export namespace ApiKey {
  /** The owner the admin key acts as. Reserved: no ordinary key may claim it. */
  export const adminOwner = "admin";

  export const Owner = OwnerShape;

  export const CreateInput = z.object({ owner: Owner }).meta({ id: "CreateKey" });
  export const Created = z
    .object({ key: z.string(), id: z.string(), owner: z.string(), prefix: z.string() })
    .meta({ id: "Key" });

  /** What listings show: never the key, only enough of it to tell keys apart. */
  export const Info = z
    .object({
      id: z.string(),
      owner: z.string(),
      prefix: z.string(),
      createdAt: z.string(),
      lastUsedAt: z.string().nullable(),
    })
    .meta({ id: "KeyInfo" });
  export type Info = z.infer<typeof Info>;

  export const ListInput = PageInput.extend({
    owner: Owner.optional().meta({ description: "Admin only: one owner's keys" }),
  });

  /** `rk_` and six characters: 36 bits, enough to tell a person's keys apart, useless to guess. */
  export const prefixOf = (key: string) => key.slice(0, 9);

  /** lastUsedAt is written at most this often per key. */
  export const touchIntervalMs = 60_000;

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
    const keyId = createId("key");
    const prefix = prefixOf(key);
    await Dynamo.entities.apiKey
      .create({ keyHash: hash(key), keyId, owner, prefix, createdAt: Date.now() })
      .go();
    return { key, id: keyId, owner, prefix };
  });

  /** The admin sees every key (or one owner's with `owner`); anyone else sees their own. */
  export const list = fn(ListInput, async (input) => {
    const actor = Actor.current();
    if (input.owner !== undefined && !actor.admin) Actor.assertAdmin();
    const owner = actor.admin ? input.owner : actor.owner;
    const scope = JSON.stringify(["keys", actor.owner, owner ?? null]);
    const options = {
      cursor: Cursor.decode(scope, input.cursor),
      count: input.limit,
      limit: input.limit,
    };
    const page = owner
      ? await Dynamo.entities.apiKey.query.byOwner({ owner }).go(options)
      : await Dynamo.entities.apiKey.query.all({}).go(options);
    // Only keys with an id are in these indexes; listing never meets one without.
    return {
      data: page.data.flatMap((k) => (k.keyId ? [serialize({ ...k, keyId: k.keyId })] : [])),
      cursor: Cursor.encode(scope, page.cursor),
    };
  });

  /** Deletes the key: the next request made with it is refused. Another owner's key is a 404. */
  export async function revoke(keyId: string) {
    const actor = Actor.current();
    if (!isId("key", keyId)) throw notFound("Key");
    const { data } = await Dynamo.entities.apiKey.query.all({ keyId }).go();
    const item = data[0];
    if (!item || (!actor.admin && item.owner !== actor.owner)) throw notFound("Key");
    await Dynamo.entities.apiKey.delete({ keyHash: item.keyHash }).go();
  }

  function serialize(item: {
    keyId: string;
    owner: string;
    prefix?: string;
    createdAt: number;
    lastUsedAt?: number;
  }): Info {
    return {
      id: item.keyId,
      owner: item.owner,
      prefix: item.prefix ?? "",
      createdAt: new Date(item.createdAt).toISOString(),
      lastUsedAt: item.lastUsedAt ? new Date(item.lastUsedAt).toISOString() : null,
    };
  }

  /** When this process last wrote lastUsedAt, per key hash: a warm function skips the write. */
  const touched = new Map<string, number>();

  /**
   * Records use at most once a minute per key: the in-process map spares the write on a warm
   * function, and the conditional write keeps concurrent functions from writing more than once.
   */
  export async function touch(
    keyHash: string,
    lastUsedAt: number | undefined,
    now = Date.now(),
    memory = touched,
  ) {
    const since = Math.max(lastUsedAt ?? 0, memory.get(keyHash) ?? 0);
    if (now - since < touchIntervalMs) return false;
    memory.set(keyHash, now);
    if (memory.size > 10_000) memory.delete(memory.keys().next().value as string);
    const written = await conditional(
      Dynamo.entities.apiKey
        .patch({ keyHash })
        .set({ lastUsedAt: now })
        .where(
          (a, op) =>
            `${op.notExists(a.lastUsedAt)} OR ${op.lt(a.lastUsedAt, now - touchIntervalMs)}`,
        )
        .go(),
    );
    return written !== undefined;
  }

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
    if (!data) return undefined;
    if (!data.keyId) await backfill(key, data);
    else await touch(digest, data.lastUsedAt);
    return { owner: data.owner, admin: false };
  }

  /** Keys made before keys had ids get one (and a prefix) on first use, so they can be listed. */
  async function backfill(
    key: string,
    data: { keyHash: string; owner: string; createdAt: number },
  ) {
    await conditional(
      Dynamo.entities.apiKey
        .put({
          keyHash: data.keyHash,
          owner: data.owner,
          createdAt: data.createdAt,
          keyId: createId("key", data.createdAt),
          prefix: prefixOf(key),
          lastUsedAt: Date.now(),
        })
        .where((a, op) => op.notExists(a.keyId))
        .go(),
    );
  }
}
