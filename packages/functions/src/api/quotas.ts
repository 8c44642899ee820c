import { Hono } from "hono";
import { domain } from "./route";

const quota = domain("Quotas", () => import("@rushes/core/quota"));

/** `GET /v1/usage`: the caller's usage against each quota, and the last 30 days. */
export const usage = new Hono().get(
  "/",
  quota.doc({
    operationId: "getUsage",
    summary: "Usage against each quota now, and per-day totals for the last 30 days",
    description:
      "Quotas: `concurrentProcessing` (videos processing at once; more wait `queued`), `dailySourceMinutes` (source minutes accepted in any 24 hours, counted at the probe), `storageBytes` (sources plus outputs stored), `hourlyClips` (clip requests per UTC hour). Days carry source and output minutes, bytes stored, clips, and processing cost (Lambda GB-seconds, MediaConvert minutes).",
    response: { status: 200, description: "The owner's usage", schema: (m) => m.Quota.Usage },
  }),
  async (c) => {
    const { Quota } = await quota.load();
    return c.json(await Quota.usage(), 200);
  },
);

/** `PUT /v1/owners/:owner/quotas`: the admin's per-owner overrides. */
export const owners = new Hono().put(
  "/:owner/quotas",
  quota.doc({
    operationId: "setQuotas",
    summary: "Override an owner's quotas (admin key only)",
    description:
      "Only the quotas named change; `null` returns one to its default (the RUSHES_QUOTA_* settings). Answers with the owner's usage against the new limits.",
    response: { status: 200, description: "The owner's usage", schema: (m) => m.Quota.Usage },
    errors: [403],
    example: { concurrentProcessing: 2, dailySourceMinutes: null },
  }),
  quota.validate("json", (m) => m.Quota.Overrides),
  async (c) => {
    const { Quota } = await quota.load();
    return c.json(await Quota.set({ owner: c.req.param("owner"), ...c.req.valid("json") }), 200);
  },
);
