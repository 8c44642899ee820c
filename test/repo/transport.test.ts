// Transport at the edge: domain code in packages/core/src builds no SQS or SNS command. It states
// what must be sent through a port (core/src/queue.ts, Sweep.Redrive) and the functions or the
// local runtime send it; events go out through the one publisher.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const src = path.join(root, "packages/core/src");

/** Where a client may be imported: the clients' own folder and the one event publisher. */
const allowed = ["clients/", "event/publisher.ts"];

/** Runtime imports of the SQS or SNS client (type-only ones carry no code and pass). */
const clientImport =
  /(?:^|\n)\s*(?:import|export)\s+(?!type\s)[^;]*?from\s+["']@aws-sdk\/client-s[qn]s["']|import\(\s*["']@aws-sdk\/client-s[qn]s["']\s*\)/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith(".ts") ? [path.relative(src, full)] : [];
  });
}

const importing = sources(src).filter((file) =>
  clientImport.test(readFileSync(path.join(src, file), "utf8")),
);

test("the pattern sees a value import and passes a type-only one", () => {
  expect(clientImport.test('import { SendMessageCommand } from "@aws-sdk/client-sqs";')).toBe(true);
  expect(clientImport.test('const { SNSClient } = await import("@aws-sdk/client-sns");')).toBe(
    true,
  );
  expect(clientImport.test('import type { SQSClient } from "@aws-sdk/client-sqs";')).toBe(false);
});

test("no domain file in core imports the SQS or SNS client", () => {
  const offenders = importing.filter(
    (file) => !allowed.some((a) => (a.endsWith("/") ? file.startsWith(a) : file === a)),
  );
  expect(offenders).toEqual([]);
});

test("the publisher is where events go out", () => {
  expect(importing).toContain("event/publisher.ts");
});
