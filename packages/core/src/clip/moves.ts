import { Move } from "../move";
import type { ClipItem } from "./schema";
import type { Statuses } from "./status";

type Status = (typeof Statuses)[number];

/**
 * A clip's status moves, as data: `Lifecycle.move` performs only these, and
 * docs/architecture.md's diagram is checked against them (test/repo/docs.test.ts).
 */
export const ClipMoves = {
  /** The worker takes the lease once the footage covers the window (or a dead worker's). */
  start: {
    from: ["pending", "processing"],
    to: "processing",
    staleOnly: true,
    lease: { bounded: false },
  },
  /** A transient cut failure: back to waiting, retried after the delay. */
  retry: { from: ["processing"], to: "pending" },
  /** A local restart: nobody can hold the lease any more. */
  reclaim: { from: ["processing"], to: "processing", due: "past" },
  available: { from: ["processing"], to: "available", event: "clip.available" },
  fail: { from: ["processing"], to: "failed", event: "clip.failed" },
  notAvailable: {
    from: ["pending", "processing"],
    to: "not_available",
    event: "clip.not_available",
  },
  outOfRange: { from: ["pending", "processing"], to: "out_of_range", event: "clip.not_available" },
} as const satisfies Record<string, Move.Rule<Status>>;

export type ClipMove = (typeof ClipMoves)[keyof typeof ClipMoves];

export const ClipTable: Move.Table<Status, ClipItem> = {
  name: "clip",
  moves: ClipMoves,
  waits: { processing: (_, now) => Move.leaseEnd(now) },
};
