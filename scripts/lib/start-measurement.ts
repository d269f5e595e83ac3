// What `pnpm measure:start` does for one start: runs the supervisor the way `pnpm start` does, times
// it to the banner, samples the whole process tree's memory from /proc, and stops it. The script
// (scripts/measure-start.ts) runs it cold then warm; the e2e test runs it and checks the figures.
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { formatMiB, processTreeMemory } from "./process-memory.ts";
import type { ProcessMemory } from "./process-memory.ts";
import {
  databaseVariable,
  DEFAULT_PORTS,
  metricsPortFor,
  portVariable,
  SUBGRAPH_NAMES,
  SUPERVISOR_NODE_ARGS,
} from "./processes.ts";
import type { ProcessName } from "./processes.ts";
import { findBusyPorts } from "./readiness.ts";

const READY_LINE = /Shopgraph is ready in/;
const SAMPLE_MS = 200;

/** One process of the measured tree. */
export interface MeasuredProcess {
  pid: number;
  /** "supervisor", a subgraph's name, "gateway", or the start of an unknown command line. */
  name: string;
  rssBytes: number;
  pssBytes: number;
  cpuSeconds: number;
}

/** The figures of one start. */
export interface StartMeasurement {
  label: string;
  startMs: number;
  peakRssBytes: number;
  /** Sum of the processes' RSS (shared pages counted in each process, as `ps` and `top` show them). */
  settledRssBytes: number;
  /** Sum of the processes' PSS (shared pages split among their sharers: what the tree really holds). */
  settledPssBytes: number;
  /** CPU seconds the tree had used when the banner appeared: the start's cost on an idle machine, whatever the load. */
  cpuSeconds: number;
  perProcess: MeasuredProcess[];
  /** The supervisor's "<name> is ready (N s)" lines, as "<name> N s": where the time went. */
  milestones: string[];
}

/** Options of {@link measureStart}. */
export interface MeasureStartOptions {
  label: string;
  /** The stack's DATA_DIR: empty for a cold start, the previous run's for a warm one. */
  dataDir: string;
  ports: Record<ProcessName, number>;
  /** How long to wait after the banner before the memory is read (start-up peaks settle). */
  settleMs: number;
  /** The environment to start from (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Called with the measurement while the stack still runs, before it is stopped (tests compare with /proc). */
  beforeStop?: (measurement: StartMeasurement) => void | Promise<void>;
}

/** Repository root: the supervisor's working directory. */
const ROOT = resolve(import.meta.dirname, "../..");

/** Names a process of the tree after its entry point. */
export function processName(command: string): string {
  const match = /(subgraphs\/(\w+)|gateway)\/src\/index\.ts/.exec(command);
  if (match) return match[2] ?? "gateway";
  const entry = SUPERVISOR_NODE_ARGS.at(-1)!;
  return command.includes(entry) ? "supervisor" : command.slice(0, 40);
}

const sum = (list: ProcessMemory[], key: "rssBytes" | "pssBytes") => list.reduce((total, p) => total + p[key], 0);

/** The supervisor's environment: the zero-configuration stack (embedded databases, no Redis) on `ports`. */
function measuredEnv(options: MeasureStartOptions): Record<string, string> {
  const env: Record<string, string> = {
    ...(Object.fromEntries(Object.entries(options.env ?? process.env).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >),
    DATA_DIR: options.dataDir,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  // Empty values win over a developer's .env (the supervisor's loadEnvFile keeps what is set): the
  // figures are those of the zero-configuration stack, embedded databases and no Redis.
  for (const name of SUBGRAPH_NAMES) env[databaseVariable(name)] = "";
  env.REDIS_URL = "";
  for (const [name, port] of Object.entries(options.ports)) env[portVariable(name as ProcessName)] = String(port);
  return env;
}

/** Starts the supervisor once on `options.dataDir`, waits for the banner, samples memory, stops it. */
export async function measureStart(options: MeasureStartOptions): Promise<StartMeasurement> {
  const started = performance.now();
  const child = spawn(process.execPath, SUPERVISOR_NODE_ARGS, {
    cwd: ROOT,
    env: measuredEnv(options),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not spawn the supervisor");
  let output = "";
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, sum(processTreeMemory(pid, { pss: false }), "rssBytes"));
  }, SAMPLE_MS);
  const exited = new Promise<number | null>((done) => child.once("close", (code) => done(code)));
  try {
    let cpuAtReady = 0;
    const readyMs = await new Promise<number>((done, fail) => {
      const onData = (chunk: Buffer) => {
        output = (output + chunk.toString("utf8")).slice(-20_000);
        if (READY_LINE.test(output) && cpuAtReady === 0) {
          cpuAtReady = processTreeMemory(pid, { pss: false }).reduce((total, p) => total + p.cpuSeconds, 0);
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
    await new Promise((done) => setTimeout(done, options.settleMs));
    clearInterval(sampler);
    const tree = processTreeMemory(pid);
    peak = Math.max(peak, sum(tree, "rssBytes"));
    const measurement: StartMeasurement = {
      label: options.label,
      startMs: readyMs,
      peakRssBytes: peak,
      settledRssBytes: sum(tree, "rssBytes"),
      settledPssBytes: sum(tree, "pssBytes"),
      cpuSeconds: cpuAtReady,
      perProcess: tree.map((p) => ({
        pid: p.pid,
        name: processName(p.command),
        rssBytes: p.rssBytes,
        pssBytes: p.pssBytes,
        cpuSeconds: p.cpuSeconds,
      })),
      milestones: [...output.matchAll(/(\w+) is ready \(([\d.]+) s\)/g)].map((m) => `${m[1]} ${m[2]} s`),
    };
    await options.beforeStop?.(measurement);
    return measurement;
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
export async function pickPorts(): Promise<Record<ProcessName, number>> {
  const names = Object.keys(DEFAULT_PORTS) as ProcessName[];
  for (;;) {
    const base = 10_000 + 5 * Math.floor(Math.random() * 3_400);
    const ports = Object.fromEntries(names.map((name, i) => [name, base + i])) as Record<ProcessName, number>;
    const all = Object.values(ports).flatMap((port) => [port, metricsPortFor(port)]);
    if ((await findBusyPorts(all, "127.0.0.1")).length === 0) return ports;
  }
}

/** One start as printed by `pnpm measure:start`: the totals, the ready times, then each process. */
export function formatMeasurement(result: StartMeasurement): string {
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

/** The closing summary: both goals' figures, cold and the slowest warm start, with the load they were measured at. */
export function formatSummary(cold: StartMeasurement, warm: StartMeasurement[], load: string, cpus: number): string {
  const worstWarm = warm.reduce((max, r) => Math.max(max, r.startMs), 0);
  const lastWarm = warm.at(-1) ?? cold;
  return (
    `load average ${load} on ${cpus} CPUs (start times grow with it; CPU seconds do not)\n` +
    `summary: cold ${(cold.startMs / 1000).toFixed(1)} s (goal < 30 s), warm ${(worstWarm / 1000).toFixed(1)} s (goal < 10 s), ` +
    `memory after start (goal < 1024 MiB): cold RSS ${formatMiB(cold.settledRssBytes)} / PSS ${formatMiB(cold.settledPssBytes)}, ` +
    `warm RSS ${formatMiB(lastWarm.settledRssBytes)} / PSS ${formatMiB(lastWarm.settledPssBytes)}`
  );
}
