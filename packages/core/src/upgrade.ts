import { KeyMigration } from "./key-migration";
import { Sweep } from "./sweep";

/**
 * The one-off data steps a stage deployed from an older rushes needs, in order: today's keys
 * first (KeyMigration), then legacy records onto the due index (Sweep.adoptLegacy), whose
 * conditional writes address items by those keys. Both Scan the table once. Idempotent: a
 * second run rewrites and adopts nothing. Releases no lease: a live worker keeps its video.
 * On AWS, scripts/upgrade.ts runs it; `npm start` does both steps at every start-up anyway.
 */
export namespace Upgrade {
  export type Report = {
    keys: Awaited<ReturnType<typeof KeyMigration.run>>;
    adopted: Awaited<ReturnType<typeof Sweep.adoptLegacy>>;
  };

  export async function run(now = Date.now()): Promise<Report> {
    const keys = await KeyMigration.run();
    const adopted = await Sweep.adoptLegacy(now);
    return { keys, adopted };
  }
}
