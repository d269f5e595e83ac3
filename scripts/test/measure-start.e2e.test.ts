// `pnpm measure:start` in CI (issue 18 §6): its library starts the real zero-configuration stack
// (embedded PGlite, no Redis) cold then warm on free ports, exactly as the script does, and each
// run must report both figures, start time and memory, for a tree where every process became
// ready, with totals that add up and agree with what `ps` reads from /proc meanwhile. No speed
// or memory ceiling is asserted here: the goals are measured figures (README), not test bounds.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMeasurement, formatSummary, measureStart, pickPorts } from "../lib/start-measurement.ts";
import type { StartMeasurement } from "../lib/start-measurement.ts";
import { SUBGRAPH_NAMES } from "../lib/processes.ts";

const PROCESSES = ["supervisor", ...SUBGRAPH_NAMES, "gateway"].sort();
// A cold start on a loaded 2-core machine has taken 90 s; the supervisor gives up after 180 s.
const RUN_TIMEOUT_MS = 240_000;

let dataDir: string;
const runs: StartMeasurement[] = [];
/** RSS of each process of the warm tree as `ps` saw it while the stack still ran (pid → bytes). */
const psRss = new Map<number, number>();
/** The warm supervisor's descendants according to `ps`, collected independently of /proc parsing here. */
const psTree = new Set<number>();

/** Every process `ps` lists, with its parent and RSS (bytes). */
function psTable(): { pid: number; ppid: number; rssBytes: number }[] {
  return execFileSync("ps", ["-e", "-o", "pid=,ppid=,rss="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number))
    .map(([pid = 0, ppid = 0, rss = 0]) => ({ pid, ppid, rssBytes: rss * 1024 }));
}

/** The environment of a developer's shell: nothing of the test runner's own settings leaks into the stack. */
function developerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "warn" };
  for (const name of ["NODE_ENV", "DATABASE_URL", "EVENTS_PUSH_URLS", "SERVICE_TOKEN", "GATEWAY_TOKEN", "SEED"])
    delete env[name];
  return env;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "sg-measure-e2e-"));
  const env = developerEnv();
  runs.push(await measureStart({ label: "cold", dataDir, ports: await pickPorts(), settleMs: 500, env }));
  runs.push(
    await measureStart({
      label: "warm",
      dataDir,
      ports: await pickPorts(),
      settleMs: 500,
      env,
      beforeStop: (measurement) => {
        const table = psTable();
        const supervisor = measurement.perProcess.find((p) => p.name === "supervisor")!;
        psTree.add(supervisor.pid);
        for (let size = 0; size !== psTree.size;) {
          size = psTree.size;
          for (const p of table) if (psTree.has(p.ppid)) psTree.add(p.pid);
        }
        for (const p of table) if (psTree.has(p.pid)) psRss.set(p.pid, p.rssBytes);
      },
    }),
  );
}, 2 * RUN_TIMEOUT_MS);

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("pnpm measure:start", () => {
  it.each(["cold", "warm"])("%s: every process became ready and is measured", (label) => {
    const run = runs.find((r) => r.label === label)!;
    expect(run.perProcess.map((p) => p.name).sort()).toEqual(PROCESSES);
    // The supervisor's "<name> is ready (N s)" line of each child, read from its output.
    expect(run.milestones.map((m) => m.split(" ")[0]).sort()).toEqual(PROCESSES.filter((n) => n !== "supervisor"));
    expect(run.startMs).toBeGreaterThan(0);
    expect(run.cpuSeconds).toBeGreaterThan(0);
    for (const p of run.perProcess) {
      expect(p.rssBytes, p.name).toBeGreaterThan(0);
      expect(p.pssBytes, p.name).toBeGreaterThan(0);
      expect(p.pssBytes, p.name).toBeLessThanOrEqual(p.rssBytes);
    }
  });

  it.each(["cold", "warm"])("%s: the totals are the sums of the processes", (label) => {
    const run = runs.find((r) => r.label === label)!;
    expect(run.settledRssBytes).toBe(run.perProcess.reduce((total, p) => total + p.rssBytes, 0));
    expect(run.settledPssBytes).toBe(run.perProcess.reduce((total, p) => total + p.pssBytes, 0));
    expect(run.peakRssBytes).toBeGreaterThanOrEqual(run.settledRssBytes);
  });

  it("measures the same processes and memory as ps sees in /proc", () => {
    const warm = runs.find((r) => r.label === "warm")!;
    expect([...psTree].sort()).toEqual(warm.perProcess.map((p) => p.pid).sort());
    // Read a moment later by another reader: a settled process moves by a few MiB at most.
    for (const p of warm.perProcess) {
      const seen = psRss.get(p.pid)!;
      expect(Math.abs(seen - p.rssBytes), `${p.name}: ${p.rssBytes} vs ps ${seen}`).toBeLessThan(
        Math.max(16 * 1024 * 1024, 0.1 * seen),
      );
    }
  });

  it("prints both figures of each start and the summary against the goals", () => {
    const [cold, warm] = runs as [StartMeasurement, StartMeasurement];
    const printed = formatMeasurement(warm);
    expect(printed).toMatch(/^warm +start \d+\.\d s \(\d+\.\d CPU s\) · settled RSS \d+\.\d MiB \(PSS \d+\.\d MiB\)/);
    for (const name of PROCESSES) expect(printed).toMatch(new RegExp(`\\n +${name} +RSS +\\d+\\.\\d MiB +PSS`));
    const summary = formatSummary(cold, [warm], "1.00 1.00 1.00", 2);
    expect(summary).toContain(`cold ${(cold.startMs / 1000).toFixed(1)} s (goal < 30 s)`);
    expect(summary).toContain(`warm ${(warm.startMs / 1000).toFixed(1)} s (goal < 10 s)`);
    expect(summary).toMatch(/cold RSS \d+\.\d MiB \/ PSS \d+\.\d MiB, warm RSS \d+\.\d MiB \/ PSS \d+\.\d MiB/);
  });
});
