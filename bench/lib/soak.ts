import { setTimeout as sleep } from "node:timers/promises";
import { runLoad, type LoadResult } from "./load.ts";
import { ask } from "./processes.ts";
import type { RunningGateway } from "./gateways.ts";
import { median } from "./summary.ts";
import type { Scenario } from "./scenarios.ts";

/** The outcome of a soak: RSS over time and whether it kept growing. */
export interface SoakResult {
  seconds: number;
  load: LoadResult;
  /** [seconds since start, RSS MB of the largest process] every sample. */
  samples: [number, number][];
  firstThirdMb: number;
  lastThirdMb: number;
  growthPercent: number;
  /** Least-squares slope over the second half, MB per minute. */
  slopeMbPerMinute: number;
  /** Heap still used after a forced full GC: [seconds, MB] at the start, middle and end. */
  retainedHeap: [number, number][];
  retainedGrowthMb: number;
  /** No growth: the heap retained after GC at the end is within max(5 MB, 5%) of the start. */
  stable: boolean;
}

function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/**
 * Drives the gateway (started with gateway-probe.ts preloaded) with `scenario` for `seconds`,
 * sampling its RSS every `everyMs` and the heap retained after a full GC at start, middle, end.
 */
export async function soak(
  gateway: RunningGateway,
  scenario: Scenario,
  seconds: number,
  connections: number,
  everyMs = 2_000,
): Promise<SoakResult> {
  const started = performance.now();
  const now = () => (performance.now() - started) / 1000;
  const samples: [number, number][] = [];
  const retainedHeap: [number, number][] = [];
  const retained = async () => {
    const reply = await ask<{ type: string; heapUsedMb: number }>(gateway.child, { type: "memory" }, "memory", 30_000);
    retainedHeap.push([now(), reply.heapUsedMb]);
  };
  const take = () => samples.push([now(), Math.max(...gateway.sample().rssMb)]);
  await retained();
  take();
  const timer = setInterval(take, everyMs);
  const middle = sleep((seconds * 1000) / 2).then(retained);
  const load = await runLoad({ url: gateway.url, seconds, connections, next: () => scenario.next() });
  clearInterval(timer);
  await middle;
  take();
  await retained();
  const third = Math.max(1, Math.floor(samples.length / 3));
  const firstThirdMb = median(samples.slice(0, third).map(([, y]) => y));
  const lastThirdMb = median(samples.slice(-third).map(([, y]) => y));
  const growthPercent = (100 * (lastThirdMb - firstThirdMb)) / firstThirdMb;
  const slopeMbPerMinute = slope(samples.slice(Math.floor(samples.length / 2))) * 60;
  const first = retainedHeap[0]![1];
  const retainedGrowthMb = retainedHeap.at(-1)![1] - first;
  return {
    seconds,
    load,
    samples,
    firstThirdMb,
    lastThirdMb,
    growthPercent,
    slopeMbPerMinute,
    retainedHeap,
    retainedGrowthMb,
    stable: retainedGrowthMb <= Math.max(5, first * 0.05),
  };
}
