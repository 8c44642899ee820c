// The single-run half of the `playable` figures, in a process of its own: an embedded runtime
// (sst reads its resources once per process, and the `system` group starts another), the source
// uploaded `BENCH_ROUNDS` times one after another, each video's history read back. Prints JSON.
import { startHarness } from "../test/integration/harness";

const [file, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 1);
const h = await startHarness({ quiet: true });
try {
  const key = await h.newKey("bench-playable");
  const runs = [];
  for (let i = 0; i < rounds; i++) {
    const id = await h.upload(key, file!);
    const video = await h.waitForStatus(key, id, ["ready", "failed", "rejected"], 900_000);
    if (video.status !== "ready") throw new Error(`${id} ended ${JSON.stringify(video)}`);
    const { data } = (await h.api(key, "GET", `/v1/videos/${id}/events`)).body as {
      data: { type: string; at: string }[];
    };
    const at = (type: string) => Date.parse(data.find((e) => e.type === type)?.at ?? "");
    runs.push({ id, leased: at("processing"), playable: at("playable"), ready: at("ready") });
  }
  process.stdout.write(`${JSON.stringify(runs)}\n`);
} finally {
  await h.stop();
}
