import { Move } from "../move";
import { uploadGraceMs, type VideoItem } from "./schema";
import type { Statuses } from "./status";

type Status = (typeof Statuses)[number];

/**
 * A video's status moves, as data: `Lifecycle.move` performs only these, and
 * docs/architecture.md's diagram is checked against them (test/repo/docs.test.ts).
 */
export const VideoMoves = {
  /** No free processing slot for its owner: wait, first in, first out. */
  queue: {
    from: ["awaiting_upload", "fetching", "expired", "processing"],
    to: "queued",
    staleOnly: true,
  },
  /** Ingest takes the processing lease (or a dead worker's, once it ran out); attempts bounded. */
  start: {
    from: ["awaiting_upload", "fetching", "expired", "queued", "processing"],
    to: "processing",
    staleOnly: true,
    lease: { bounded: true },
  },
  /** A failed attempt gives its lease up, so the retried event (or the sweep) takes over at once. */
  retry: { from: ["processing"], to: "processing", due: "now" },
  /** The transcode runs on MediaConvert: the lease lasts as long as the job may. */
  submit: { from: ["processing"], to: "processing", due: "job" },
  /** Split for chunk workers: the chunk count recorded, the lease renewed. */
  chunk: { from: ["processing"], to: "processing" },
  /** A local restart: nobody can hold the lease any more, so the re-drive may take it. */
  reclaim: { from: ["processing"], to: "processing", due: "past" },
  /** Every rung's first segments are stored: it plays while it encodes (once: `playableAt`). */
  playable: {
    from: ["processing"],
    to: "processing",
    event: "video.playable",
    history: "playable",
  },
  ready: { from: ["processing"], to: "ready", event: "video.ready" },
  fail: { from: ["processing"], to: "failed", event: "video.failed" },
  reject: { from: ["processing"], to: "rejected", event: "video.rejected" },
  /** An upload never made (or made too late). */
  expire: { from: ["awaiting_upload"], to: "expired", event: "video.expired" },
  /** A multipart upload aborted by its owner. */
  cancel: { from: ["awaiting_upload", "expired"], to: "cancelled", event: "video.cancelled" },
  /** A URL ingest's fetch gave up (fetch_* codes), or was stopped by its owner. */
  fetchFail: { from: ["fetching"], to: "failed", event: "video.failed" },
  fetchCancel: { from: ["fetching"], to: "cancelled", event: "video.cancelled" },
  /** A fetch's progress recorded (the multipart upload, its parts): a new runner resumes it. */
  fetchProgress: { from: ["fetching"], to: "fetching" },
} as const satisfies Record<string, Move.Rule<Status>>;

export type VideoMove = (typeof VideoMoves)[keyof typeof VideoMoves];

export const VideoTable: Move.Table<Status, VideoItem> = {
  name: "video",
  moves: VideoMoves,
  waits: {
    awaiting_upload: (item) => item.uploadExpiresAt + uploadGraceMs(),
    // Due at once: the sweep hands free slots to queued videos whose hand-off was lost.
    queued: (_, now) => now,
    processing: (_, now) => Move.leaseEnd(now),
  },
};
