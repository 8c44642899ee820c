import * as z from "zod";
import { Actor } from "../actor";
import { conditional } from "../conditional";
import { Cursor } from "../cursor";
import { Dynamo } from "../dynamo";
import { notFound, VisibleError } from "../error";
import { exactly } from "../exact";
import { fn } from "../fn";
import { createId } from "../id";
import { Time } from "../time";
import { PageInput } from "../video/schema";

export namespace Camera {
  export const CameraId = z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, "letters, digits, _ . : - only");

  export const Info = z
    .object({ id: z.string(), alias: z.string(), createdAt: z.string() })
    .meta({ id: "Camera" });
  export type Info = z.infer<typeof Info>;

  export const CreateInput = z
    .object({ alias: z.string().trim().min(1).max(200), cameraId: CameraId.optional() })
    .meta({ id: "CreateCamera" });

  /** Camera ids may be chosen by the client (e.g. a hardware serial); unique per owner. */
  export const create = fn(CreateInput, async (input) => {
    const owner = Actor.owner();
    const cameraId = input.cameraId ?? createId("camera");
    const written = await conditional(
      Dynamo.entities.camera
        .create({ cameraId, owner, alias: input.alias, createdAt: Date.now() })
        .go(),
    );
    if (!written) {
      throw new VisibleError("conflict", "camera_exists", `Camera ${cameraId} already exists`);
    }
    return serialize(written.data);
  });

  export const ListInput = PageInput;

  /** The caller's cameras, by id. */
  export const list = fn(ListInput, async (input) => {
    const owner = Actor.owner();
    const scope = JSON.stringify(["cameras", owner]);
    const page = await Dynamo.entities.camera.query
      .byOwner({ owner })
      .go({ cursor: Cursor.decode(scope, input.cursor), count: input.limit, limit: input.limit });
    return { data: page.data.map(serialize), cursor: Cursor.encode(scope, page.cursor) };
  });

  export async function get(cameraId: string): Promise<Info> {
    const parsed = CameraId.safeParse(cameraId);
    if (!parsed.success) throw notFound("Camera");
    const { data } = await Dynamo.entities.camera
      .get({ owner: Actor.owner(), cameraId: parsed.data })
      .go();
    if (
      !data ||
      exactly([data], { owner: Actor.owner(), cameraId: parsed.data }, "camera").length === 0
    )
      throw notFound("Camera");
    return serialize(data);
  }

  function serialize(item: { cameraId: string; alias: string; createdAt: number }): Info {
    return {
      id: item.cameraId,
      alias: item.alias,
      createdAt: Time.isoOrEpoch(item.createdAt),
    };
  }
}
