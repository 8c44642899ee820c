// globalSetup of the e2e tier: builds the web client once for every browser test, which serve
// it through `npm start`'s runtime. Built per test file, concurrent builds emptied each other's
// packages/web/dist.
import { buildWeb, skipBrowser } from "../support/e2e";

export default async function setup() {
  if (!skipBrowser) await buildWeb();
}
