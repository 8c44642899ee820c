// Infra contract: every function's handler exists, exports its name, and links what its code reads.
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { exportsName, handlerSource, reachableResources } from "./source";
import { type DeployedStack, deployStack, envOf, fnArgs, linksOf, root } from "./stack";

let all: DeployedStack;

beforeAll(async () => {
  // MediaConvert mode declares every function rushes has.
  all = await deployStack({ env: { RUSHES_TRANSCODER: "mediaconvert" } });
});

/**
 * Resources a handler's imports reach but its code never reads at run time. Keep each one
 * justified; the assertion below still fails for any other unlinked resource.
 */
const notReadAtRunTime: Record<string, Record<string, string>> = {
  ChunkWorker: {
    AdminKey: "core/cursor.ts reads it only to sign list cursors, which the worker never makes",
  },
  ClipWorker: {
    AdminKey: "core/cursor.ts reads it only to sign list cursors, which the worker never makes",
  },
  Sweep: {
    AdminKey: "core/cursor.ts reads it only to sign list cursors, which the sweep never makes",
  },
};

const handlerOf = (name: string) => handlerSource(fnArgs(all, name).handler);

describe.each([
  "Api",
  "Ingest",
  "ClipWorker",
  "ChunkWorker",
  "MediaConvertComplete",
  "Sweep",
  "WebhookDispatcher",
  "WebhookSender",
  "Fetch",
  "CaptionWorker",
  "TranscribeComplete",
])("%s", (name) => {
  test("its handler file exists and exports the handler", () => {
    const { file, name: exported } = handlerOf(name);
    expect(existsSync(file), `${path.relative(root, file)} is missing`).toBe(true);
    expect(exportsName(file, exported), `${path.relative(root, file)} exports no ${exported}`).toBe(
      true,
    );
  });

  test("it links exactly the resources its code reads as Resource.X", () => {
    const { file } = handlerOf(name);
    // A resource may also come as its SST_RESOURCE_ variable alone, without the link's rights.
    // SST_RESOURCE_App is SST's own, in every function.
    const delivered = Object.keys(envOf(all, name)).flatMap(
      (key) => /^SST_RESOURCE_(\w+)$/.exec(key)?.[1] ?? [],
    );
    const linked = [...linksOf(all, name), ...delivered.filter((r) => r !== "App")];
    const { resources, via } = reachableResources(file);
    // SST puts `Resource.App` (name, stage) into every function without a link.
    const read = resources.filter((r) => r !== "App" && !(r in (notReadAtRunTime[name] ?? {})));
    expect(
      read,
      `Resource.X reached from the handler, by import chain: ${JSON.stringify(via, null, 2)}`,
    ).toEqual(linked.sort());
  });
});
