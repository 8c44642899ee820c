import { Publisher } from "./publisher";
import { Events as Schema } from "./schema";

/** The event schemas (./schema.ts, pure) and the one publisher (./publisher.ts), under one name. */
export const Events = { ...Schema, publish: Publisher.publish };
export namespace Events {
  export type Type = Schema.Type;
  export type Properties<T extends Type> = Schema.Properties<T>;
  export type Envelope = Schema.Envelope;
}
