import { monotonicFactory } from "ulid";

const ulid = monotonicFactory();

const Prefixes = {
  video: "vid",
  clip: "clp",
  camera: "cam",
  event: "evt",
  key: "key",
  webhook: "whk",
  delivery: "msg",
} as const;

export type IdKind = keyof typeof Prefixes;

/** Prefixed, time-sortable ids: `vid_01J…`. Lower-cased so they read well in URLs. */
export function createId(kind: IdKind, at = Date.now()): string {
  return `${Prefixes[kind]}_${ulid(at).toLowerCase()}`;
}

const pattern = /^[a-z]{3}_[0-9a-hjkmnp-tv-z]{26}$/;

export function isId(kind: IdKind, value: string): boolean {
  return pattern.test(value) && value.startsWith(`${Prefixes[kind]}_`);
}
