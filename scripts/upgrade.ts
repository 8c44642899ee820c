// Upgrades a deployed stage's data in place, once, after deploying a newer rushes:
//   npx sst shell --stage prod -- npx tsx scripts/upgrade.ts
// `sst shell` gives it the stage's resources (Resource.Table) and AWS credentials. Safe to run
// again, and while the stage serves traffic: it releases no lease (core/src/upgrade.ts).
import { Upgrade } from "@rushes/core/upgrade";

const report = await Upgrade.run();
console.log(JSON.stringify(report));
