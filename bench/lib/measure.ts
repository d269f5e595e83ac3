import { setTimeout as sleep } from "node:timers/promises";
import type { GatewayKind } from "./gateways.ts";
import { runLoad, type LoadResult } from "./load.ts";
import type { TreeSample } from "./procfs.ts";
import type { Scenario } from "./scenarios.ts";
import { counterDelta, SUBGRAPHS, type CounterSnapshot, type SubgraphName, type SubgraphStack } from "./stack.ts";

/** What a scenario is sent to: a gateway, or the subgraph itself. */
export type Target = GatewayKind | "direct";

/** One measured (or warm-up) run of one scenario against one target. */
export interface Measurement {
  /** engine: real subgraphs; replay: their recorded answers served from memory; cache: caches on. */
  mode: "engine" | "cache" | "replay";
  workers: number;
  round: number;
  scenario: string;
  target: Target;
  load: LoadResult;
  /** CPU of the target's process tree per completed request. */
  cpuMsPerRequest: number;
  /** CPU of all four subgraph processes per completed request. */
  subgraphCpuMsPerRequest: number;
  /** Resident set at the end of the run: whole tree and largest single process. */
  rssMb: number;
  rssMaxProcessMb: number;
  /** Largest VmHWM (peak RSS since start) of any process of the tree. */
  peakRssMb: number;
  /** Subgraph HTTP requests per operation (service-to-service calls counted apart). */
  subgraphRequestsPerOp: number;
  serviceRequestsPerOp: number;
  /** SQL statements per operation, background pollers' rate subtracted. */
  sqlPerOp: number;
  perSubgraph: Record<SubgraphName, { requests: number; sql: number }>;
}

/** What {@link measure} needs to know about the target. */
export interface MeasureTarget {
  target: Target;
  url: string;
  /** The target's process tree (subgraph direct: that subgraph's own process). */
  sample: () => TreeSample;
}

/** Options for {@link measure}. */
export interface MeasureOptions {
  mode: Measurement["mode"];
  workers: number;
  round: number;
  seconds: number;
  connections: number;
  stack: SubgraphStack;
  /** SQL statements per second per subgraph while idle (outbox relays, consumers, sweeps). */
  backgroundSqlPerSecond: Record<SubgraphName, number>;
}

/**
 * Waits until the subgraphs are quiet: no request and no more statements than the idle
 * background for `quietMs`. Requests still in flight when the load stopped are finished by the
 * gateway, and asynchronous work (events a mutation emitted) runs after the response; both
 * belong to the run that caused them, not to the next one.
 */
export async function settle(
  stack: SubgraphStack,
  backgroundSqlPerSecond: Record<SubgraphName, number>,
  quietMs: number,
  maxMs = 10_000,
): Promise<CounterSnapshot> {
  const step = 100;
  const background = Object.values(backgroundSqlPerSecond).reduce((a, b) => a + b, 0);
  const deadline = Date.now() + maxMs;
  let previous = await stack.counters();
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    await sleep(step);
    const current = await stack.counters();
    const delta = counterDelta(previous, current);
    const busy =
      delta.requests > 0 ||
      SUBGRAPHS.some((n) => delta.per[n].serviceRequests > 0) ||
      delta.sql > 1 + (2 * background * step) / 1000;
    if (busy) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) return current;
    previous = current;
  }
  return previous;
}

/** Runs one scenario against one target and attributes CPU, memory and subgraph work to it. */
export async function measure(
  scenario: Scenario,
  target: MeasureTarget,
  options: MeasureOptions,
): Promise<Measurement> {
  const countersBefore = await options.stack.counters();
  const subgraphCpuBefore = options.stack.cpuMs();
  const before = target.sample();
  const started = performance.now();
  const load = await runLoad({
    url: target.url,
    seconds: options.seconds * (scenario.durationFactor ?? 1),
    connections: scenario.connections ?? options.connections,
    ...(scenario.overallRate ? { overallRate: scenario.overallRate } : {}),
    next: () => scenario.next(),
  });
  const countersAfter = await settle(options.stack, options.backgroundSqlPerSecond, scenario.settleMs ?? 100);
  const elapsed = (performance.now() - started) / 1000;
  const after = target.sample();
  const subgraphCpuAfter = options.stack.cpuMs();
  const delta = counterDelta(countersBefore, countersAfter);
  // Work (CPU, subgraph calls, SQL) is divided by every request the gateway handled, in-flight ones included.
  const n = Math.max(1, load.sent);
  const perSubgraph = {} as Measurement["perSubgraph"];
  let sql = 0;
  let serviceRequests = 0;
  for (const name of SUBGRAPHS) {
    const ownSql = Math.max(0, delta.per[name].sql - options.backgroundSqlPerSecond[name] * elapsed);
    perSubgraph[name] = { requests: delta.per[name].requests / n, sql: ownSql / n };
    sql += ownSql;
    serviceRequests += delta.per[name].serviceRequests;
  }
  return {
    mode: options.mode,
    workers: options.workers,
    round: options.round,
    scenario: scenario.id,
    target: target.target,
    load,
    cpuMsPerRequest: (after.cpuMs - before.cpuMs) / n,
    subgraphCpuMsPerRequest: (subgraphCpuAfter - subgraphCpuBefore) / n,
    rssMb: after.rssMb.reduce((a, b) => a + b, 0),
    rssMaxProcessMb: Math.max(...after.rssMb),
    peakRssMb: Math.max(...after.peakRssMb),
    subgraphRequestsPerOp: delta.requests / n,
    serviceRequestsPerOp: serviceRequests / n,
    sqlPerOp: sql / n,
    perSubgraph,
  };
}
