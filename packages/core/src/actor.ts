import { AsyncLocalStorage } from "node:async_hooks";
import { VisibleError } from "./error";

export namespace Actor {
  export interface Info {
    /** The owner every read and write is scoped to. */
    owner: string;
    admin: boolean;
  }

  const storage = new AsyncLocalStorage<Info>();

  export function provide<R>(actor: Info, run: () => R): R {
    return storage.run(actor, run);
  }

  export function current(): Info {
    const actor = storage.getStore();
    if (!actor) throw new VisibleError("auth", "unauthenticated", "Missing or invalid API key");
    return actor;
  }

  export function owner(): string {
    return current().owner;
  }

  export function assertAdmin() {
    if (!current().admin) {
      throw new VisibleError("forbidden", "forbidden", "This action needs the admin key");
    }
  }
}
