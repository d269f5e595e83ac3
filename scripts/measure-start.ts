// `pnpm measure:start`: how long `pnpm start` takes and how much memory the stack holds. Starts
// the supervisor with a fresh DATA_DIR (cold: databases initialized, migrated and seeded), stops
// it, starts it again on the same DATA_DIR (warm), and prints start time, peak and settled memory
// of the whole process tree (from /proc) for each run. Linux only. scripts/lib/start-measurement.ts
// does the measuring; scripts/test/measure-start.e2e.test.ts checks it in CI.
import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatMeasurement, formatSummary, measureStart, pickPorts } from "./lib/start-measurement.ts";
import type { StartMeasurement } from "./lib/start-measurement.ts";

const { values: args } = parseArgs({
  options: {
    "settle-ms": { type: "string", default: "3000" },
    "warm-runs": { type: "string", default: "1" },
    "keep-data": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (args.help) {
  console.log("usage: pnpm measure:start [--warm-runs N] [--settle-ms MS] [--keep-data]");
  process.exit(0);
}
const settleMs = Number(args["settle-ms"]);
const warmRuns = Number(args["warm-runs"]);

const dataDir = await mkdtemp(join(tmpdir(), "sg-measure-start-"));
const results: StartMeasurement[] = [];
try {
  for (let i = 0; i <= warmRuns; i += 1) {
    const label = i === 0 ? "cold" : "warm";
    results.push(await measureStart({ label, dataDir, ports: await pickPorts(), settleMs }));
    console.log(formatMeasurement(results.at(-1)!));
  }
} finally {
  if (!args["keep-data"]) await rm(dataDir, { recursive: true, force: true });
  else console.log(`data kept in ${dataDir}`);
}
const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`\n${formatSummary(results[0]!, results.slice(1), load, availableParallelism())}`);
