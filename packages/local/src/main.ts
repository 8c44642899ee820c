// `npm start`: the whole of rushes on this machine, with embedded stand-ins for AWS.
import { type Runtime, StartupError, startRuntime } from "./runtime";
import { parseWebhooks } from "./sns-tap";

const port = Number(process.env.PORT || 3000);
const dataDir = process.env.RUSHES_DATA_DIR || ".rushes";

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(1);
}

const webhooks = parseWebhooks(process.env.RUSHES_LOCAL_WEBHOOKS);
let runtime: Runtime;
try {
  runtime = await startRuntime({
    dataDir,
    port,
    devKey: process.env.RUSHES_DEV_KEY,
    webhooks,
  });
} catch (error) {
  // A problem the user can fix is one line; anything else is a bug and keeps its stack.
  console.error(error instanceof StartupError ? error.message : error);
  process.exit(1);
}

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
console.log(`
  ${bold("rushes")} is running at ${bold(runtime.url)}  (API docs: ${runtime.url}/docs)
  dev API key (admin): ${runtime.devKey}
  data: ${runtime.dataDir}${runtime.webhooks.map((w) => `\n  webhook ${w.url}  secret: ${w.secret}`).join("")}

  try: curl -H "Authorization: Bearer ${runtime.devKey}" ${runtime.apiUrl}/v1/videos
`);

// npm forwards the terminal's Ctrl-C, so one keypress can arrive twice: only a signal that
// comes a second or more after the first forces the exit.
let stoppingSince = 0;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stoppingSince) {
      if (Date.now() - stoppingSince < 1000) return;
      console.error("forced exit");
      process.exit(130);
    }
    stoppingSince = Date.now();
    console.log(`\n${signal}: stopping (again to force)…`);
    runtime.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
