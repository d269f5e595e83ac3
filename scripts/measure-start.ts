// `pnpm measure:start`: how long `pnpm start` takes and how much memory the stack holds. Starts
// the supervisor with a fresh DATA_DIR (cold: databases initialized, migrated and seeded), stops
// it, starts it again on the same DATA_DIR (warm), and prints start time, peak and settled memory
// of the whole process tree (from /proc) for each run. Linux only.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { formatMiB, processTreeMemory } from "./lib/process-memory.ts";
import type { ProcessMemory } from "./lib/process-memory.ts";
import { databaseVariable, DEFAULT_PORTS, metricsPortFor, portVariable, SUBGRAPH_NAMES } from "./lib/processes.ts";
import type { ProcessName } from "./lib/processes.ts";
import { findBusyPorts } from "./lib/readiness.ts";

const ROOT = resolve(import.meta.dirname, "..");
const READY_LINE = /Shopgraph is ready in/;
const SAMPLE_MS = 200;

/** The figures of one start. */
interface RunResult {
  label: string;
  startMs: number;
  peakRssBytes: number;
  settledRssBytes: number;
  settledPssBytes: number;
  /** CPU seconds the tree had used when the banner appeared: the start's cost on an idle machine, whatever the load. */
  cpuSeconds: number;
  perProcess: { name: string; rssBytes: number; pssBytes: number; cpuSeconds: number }[];
  /** The supervisor's "<name> is ready (N s)" lines: where the time went. */
  milestones: string[];
}

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

/** Names a process of the tree after its entry point. */
function processName(p: ProcessMemory): string {
  const match = /(subgraphs\/(\w+)|gateway)\/src\/index\.ts/.exec(p.command);
  if (match) return match[2] ?? "gateway";
  return p.command.includes("scripts/start.ts") ? "supervisor" : p.command.slice(0, 40);
}

const sum = (list: ProcessMemory[], key: "rssBytes" | "pssBytes") => list.reduce((total, p) => total + p[key], 0);

/** Starts the supervisor once on `dataDir`, waits for the banner, samples memory, stops it. */
async function measureOnce(label: string, dataDir: string, ports: Record<ProcessName, number>): Promise<RunResult> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: dataDir,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  // Empty values win over a developer's .env (the supervisor's loadEnvFile keeps what is set): the
  // figures are those of the zero-configuration stack, embedded databases and no Redis.
  for (const name of SUBGRAPH_NAMES) env[databaseVariable(name)] = "";
  env.REDIS_URL = "";
  for (const [name, port] of Object.entries(ports)) env[portVariable(name as ProcessName)] = String(port);
  const started = performance.now();
  const child = spawn(process.execPath, ["scripts/start.ts"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not spawn the supervisor");
  let output = "";
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, sum(processTreeMemory(pid), "rssBytes"));
  }, SAMPLE_MS);
  const exited = new Promise<number | null>((done) => child.once("close", (code) => done(code)));
  try {
    let cpuAtReady = 0;
    const readyMs = await new Promise<number>((done, fail) => {
      const onData = (chunk: Buffer) => {
        output = (output + chunk.toString("utf8")).slice(-20_000);
        if (READY_LINE.test(output) && cpuAtReady === 0) {
          cpuAtReady = processTreeMemory(pid).reduce((total, p) => total + p.cpuSeconds, 0);
          done(performance.now() - started);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      void exited.then((code) => {
        fail(new Error(`the supervisor exited (code ${code}) before the stack was ready:\n${output.slice(-4000)}`));
      });
    });
    // Start-up peaks (migrations, seeding, JIT) settle within a few seconds; report what stays.
    await new Promise((done) => setTimeout(done, settleMs));
    clearInterval(sampler);
    const tree = processTreeMemory(pid);
    peak = Math.max(peak, sum(tree, "rssBytes"));
    return {
      label,
      startMs: readyMs,
      peakRssBytes: peak,
      settledRssBytes: sum(tree, "rssBytes"),
      settledPssBytes: sum(tree, "pssBytes"),
      cpuSeconds: cpuAtReady,
      perProcess: tree.map((p) => ({
        name: processName(p),
        rssBytes: p.rssBytes,
        pssBytes: p.pssBytes,
        cpuSeconds: p.cpuSeconds,
      })),
      milestones: [...output.matchAll(/(\w+) is ready \(([\d.]+) s\)/g)].map((m) => `${m[1]} ${m[2]} s`),
    };
  } finally {
    clearInterval(sampler);
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      // already gone
    }
    // After the supervisor's own SIGKILL deadline (20 s), in case the supervisor itself hangs.
    const timer = setTimeout(() => process.kill(-pid, "SIGKILL"), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Five loopback ports free right now, with their metrics ports (+5400), all below Linux's ephemeral
 * range (32768+): ports the OS hands out for port 0 (the embedded databases' servers, every outbound
 * connection) could be taken between this check and the child's listen (EADDRINUSE seen once). Not
 * the defaults either: a developer's own stack may hold those.
 */
async function pickPorts(): Promise<Record<ProcessName, number>> {
  const names = Object.keys(DEFAULT_PORTS) as ProcessName[];
  for (;;) {
    const base = 10_000 + 5 * Math.floor(Math.random() * 3_400);
    const ports = Object.fromEntries(names.map((name, i) => [name, base + i])) as Record<ProcessName, number>;
    const all = Object.values(ports).flatMap((port) => [port, metricsPortFor(port)]);
    if ((await findBusyPorts(all, "127.0.0.1")).length === 0) return ports;
  }
}

function report(result: RunResult): string {
  const lines = [
    `${result.label.padEnd(5)} start ${(result.startMs / 1000).toFixed(1)} s (${result.cpuSeconds.toFixed(1)} CPU s)` +
      ` · settled RSS ${formatMiB(result.settledRssBytes)}` +
      ` (PSS ${formatMiB(result.settledPssBytes)}) · peak RSS ${formatMiB(result.peakRssBytes)}`,
  ];
  lines.push(`        ready: ${result.milestones.join(", ")}`);
  for (const p of result.perProcess) {
    const rss = formatMiB(p.rssBytes).padStart(10);
    lines.push(
      `        ${p.name.padEnd(14)} RSS ${rss}  PSS ${formatMiB(p.pssBytes).padStart(10)}  CPU ${p.cpuSeconds.toFixed(1)} s`,
    );
  }
  return lines.join("\n");
}

const dataDir = await mkdtemp(join(tmpdir(), "sg-measure-start-"));
const results: RunResult[] = [];
try {
  results.push(await measureOnce("cold", dataDir, await pickPorts()));
  console.log(report(results.at(-1)!));
  for (let i = 0; i < warmRuns; i += 1) {
    results.push(await measureOnce("warm", dataDir, await pickPorts()));
    console.log(report(results.at(-1)!));
  }
} finally {
  if (!args["keep-data"]) await rm(dataDir, { recursive: true, force: true });
  else console.log(`data kept in ${dataDir}`);
}
const cold = results[0]!;
const warm = results.slice(1);
const worstWarm = warm.reduce((max, r) => Math.max(max, r.startMs), 0);
const lastWarm = warm.at(-1) ?? cold;
const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(
  `\nload average ${load} on ${availableParallelism()} CPUs (start times grow with it; CPU seconds do not)\n` +
    `summary: cold ${(cold.startMs / 1000).toFixed(1)} s (goal < 30 s), warm ${(worstWarm / 1000).toFixed(1)} s (goal < 10 s), ` +
    `memory after start (goal < 1024 MiB): cold RSS ${formatMiB(cold.settledRssBytes)} / PSS ${formatMiB(cold.settledPssBytes)}, ` +
    `warm RSS ${formatMiB(lastWarm.settledRssBytes)} / PSS ${formatMiB(lastWarm.settledPssBytes)}`,
);
