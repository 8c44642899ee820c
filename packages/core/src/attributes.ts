/** ElectroDB attribute shapes shared by several entities, and the service every entity names. */
export const service = "rushes";

export const errorAttribute = {
  type: "map",
  properties: {
    code: { type: "string", required: true },
    message: { type: "string", required: true },
    /** The HTTP status a URL ingest's server answered (`fetch_http_error`). */
    status: { type: "number" },
  },
} as const;

export const thumbnailsAttribute = {
  type: "list",
  items: {
    type: "map",
    properties: {
      width: { type: "number", required: true },
      height: { type: "number", required: true },
      key: { type: "string", required: true },
    },
  },
} as const;

/**
 * The lifecycle's attributes (core/src/lifecycle.ts), the same on every entity with a status:
 * unsent outbox entries, and the sparse `byDue` index pair the sweep queries.
 */
export const lifecycleAttributes = {
  outbox: {
    type: "list",
    items: {
      type: "map",
      properties: {
        eventId: { type: "string", required: true },
        type: { type: "string", required: true },
        at: { type: "number", required: true },
        detail: { type: "any" },
        event: { type: "string" },
      },
    },
  },
  /** What the record waits for (`video/processing`, `clip/outbox`, …); absent once settled. */
  // Not hidden: ElectroDB rebuilds page cursors from returned items (see video/entity.ts).
  dueScope: { type: "string" },
  /** When that wait is over (epoch ms, 13 digits, so the string sort key orders numerically). */
  dueAt: { type: "number" },
} as const;

/** The sweep's index: what is due, by scope, oldest deadline first. Sparse: settled records leave it. */
export const dueIndex = {
  index: "gsi6",
  condition: (attr: { dueScope?: string }) => attr.dueScope !== undefined,
  pk: { field: "gsi6pk", composite: ["dueScope"], casing: "none" },
  sk: { field: "gsi6sk", composite: ["dueAt"], casing: "none" },
} as const;
