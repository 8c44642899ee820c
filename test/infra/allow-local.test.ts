// The SSRF guards' switches: RUSHES_WEBHOOK_ALLOW_LOCAL lets webhooks, and RUSHES_FETCH_ALLOW_LOCAL
// lets URL fetches, reach localhost and private addresses. Only the local runtime may turn them
// on; no deployed function can receive them. Read from the settings list and the infra sources
// themselves, with no infra fake involved.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { environment, everyFunction, type FunctionName, settings } from "../../infra/settings";
import { ConfigSchema } from "../../packages/core/src/config";

const root = path.resolve(import.meta.dirname, "../..");
const names = ["RUSHES_WEBHOOK_ALLOW_LOCAL", "RUSHES_FETCH_ALLOW_LOCAL"] as const;
const functions: FunctionName[] = everyFunction;

const saved = names.map((name) => [name, process.env[name]] as const);
afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe.each(names)("%s", (name) => {
  test("defaults to false: an unset or empty variable never allows local addresses", () => {
    expect(ConfigSchema.parse({})[name]).toBe(false);
    expect(ConfigSchema.parse({ [name]: "" })[name]).toBe(false);
    expect(ConfigSchema.parse({ [name]: "false" })[name]).toBe(false);
    expect(ConfigSchema.parse({ [name]: "true" })[name]).toBe(true);
  });

  test("is no deploy setting, so a deploying shell that sets it passes it to no function", () => {
    expect(Object.keys(settings)).not.toContain(name);
    process.env[name] = "true";
    for (const fn of functions) expect(environment(fn), fn).not.toHaveProperty(name);
  });

  test("no infra source or the app config names it", () => {
    const files = [
      "sst.config.ts",
      ...readdirSync(path.join(root, "infra"))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.join("infra", f)),
    ];
    expect(files).toContain(path.join("infra", "webhooks.ts"));
    expect(files).toContain(path.join("infra", "fetch.ts"));
    for (const file of files) {
      const text = readFileSync(path.join(root, file), "utf8");
      expect(text.includes(name), file).toBe(false);
      // A wholesale copy of the deploying shell's environment would carry it in unnamed.
      expect(/\.\.\.\s*process\.env\b/.test(text), file).toBe(false);
    }
  });
});
