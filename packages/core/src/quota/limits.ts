// An owner's quota limits: their overrides, else the settings. Its own file so that Slots, which
// Quota imports, reads limits without importing Quota back.
import { Config } from "../config";
import { Dynamo } from "../dynamo";

export namespace QuotaLimits {
  export const Names = [
    "concurrentProcessing",
    "dailySourceMinutes",
    "storageBytes",
    "hourlyClips",
  ] as const;
  export type Name = (typeof Names)[number];

  /** The owner's limits: their overrides, else the settings. */
  export async function of(owner: string): Promise<Record<Name, number> & { overridden: Name[] }> {
    const c = Config.get();
    const { data } = await Dynamo.entities.quota.get({ owner }).go();
    const defaults: Record<Name, number> = {
      concurrentProcessing: c.RUSHES_QUOTA_CONCURRENT_PROCESSING,
      dailySourceMinutes: c.RUSHES_QUOTA_DAILY_SOURCE_MINUTES,
      storageBytes: c.RUSHES_QUOTA_STORAGE_BYTES,
      hourlyClips: c.RUSHES_QUOTA_HOURLY_CLIPS,
    };
    const overridden = Names.filter((n) => data?.[n] !== undefined);
    return { ...defaults, ...Object.fromEntries(overridden.map((n) => [n, data![n]])), overridden };
  }
}
