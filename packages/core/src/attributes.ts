/** ElectroDB attribute shapes shared by several entities, and the service every entity names. */
export const service = "rushes";

export const errorAttribute = {
  type: "map",
  properties: {
    code: { type: "string", required: true },
    message: { type: "string", required: true },
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
