import type { Measurement, Target } from "./measure.ts";

/** Median; NaN for no values. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The p-th percentile of ascending latencies by the nearest-rank-below rule (index ⌊p/100 · n⌋, the
 * last sample for p = 100); NaN for no samples. The load generators report p50/p90/p99 with it.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One table row: a scenario against a target, medians over the measured rounds. */
export interface SummaryRow {
  mode: Measurement["mode"];
  workers: number;
  scenario: string;
  target: Target;
  rounds: number;
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  subgraphCpuMsPerRequest: number;
  rssMb: number;
  rssMaxProcessMb: number;
  peakRssMb: number;
  subgraphRequestsPerOp: number;
  serviceRequestsPerOp: number;
  sqlPerOp: number;
  non2xx: number;
  errors: number;
  bytesPerResponse: number;
  /** Ratios against plain @apollo/gateway, computed round by round, then the median. */
  vsApollo: { rps: number; p50: number; p99: number; cpu: number } | null;
  /** Differences against the subgraph called directly (same round), in ms. */
  vsDirect: { p50: number; p99: number } | null;
}

const key = (m: { mode: string; workers: number; scenario: string }) => `${m.mode}|${m.workers}|${m.scenario}`;

/** Medians per (mode, workers, scenario, target) over rounds ≥ 1 (round 0 is the warm-up). */
export function summarize(all: readonly Measurement[]): SummaryRow[] {
  const measured = all.filter((m) => m.round >= 1);
  const groups = new Map<string, Measurement[]>();
  for (const m of measured) {
    const k = `${key(m)}|${m.target}`;
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  const peer = (m: Measurement, target: Target) =>
    measured.find((o) => key(o) === key(m) && o.round === m.round && o.target === target);
  const rows: SummaryRow[] = [];
  for (const ms of groups.values()) {
    const first = ms[0]!;
    const med = (f: (m: Measurement) => number) => median(ms.map(f));
    const apolloPairs = ms.map((m) => [m, peer(m, "apollo")] as const).filter(([, a]) => a);
    const directPairs = ms.map((m) => [m, peer(m, "direct")] as const).filter(([, d]) => d);
    rows.push({
      mode: first.mode,
      workers: first.workers,
      scenario: first.scenario,
      target: first.target,
      rounds: ms.length,
      rps: med((m) => m.load.rps),
      p50: med((m) => m.load.p50),
      p99: med((m) => m.load.p99),
      cpuMsPerRequest: med((m) => m.cpuMsPerRequest),
      subgraphCpuMsPerRequest: med((m) => m.subgraphCpuMsPerRequest),
      rssMb: med((m) => m.rssMb),
      rssMaxProcessMb: med((m) => m.rssMaxProcessMb),
      peakRssMb: Math.max(...ms.map((m) => m.peakRssMb)),
      subgraphRequestsPerOp: med((m) => m.subgraphRequestsPerOp),
      serviceRequestsPerOp: med((m) => m.serviceRequestsPerOp),
      sqlPerOp: med((m) => m.sqlPerOp),
      non2xx: ms.reduce((a, m) => a + m.load.non2xx, 0),
      errors: ms.reduce((a, m) => a + m.load.errors + m.load.timeouts, 0),
      bytesPerResponse: med((m) => m.load.bytesPerResponse),
      vsApollo: apolloPairs.length
        ? {
            rps: median(apolloPairs.map(([m, a]) => m.load.rps / a!.load.rps)),
            p50: median(apolloPairs.map(([m, a]) => m.load.p50 / a!.load.p50)),
            p99: median(apolloPairs.map(([m, a]) => m.load.p99 / a!.load.p99)),
            cpu: median(apolloPairs.map(([m, a]) => m.cpuMsPerRequest / a!.cpuMsPerRequest)),
          }
        : null,
      vsDirect: directPairs.length
        ? {
            p50: median(directPairs.map(([m, d]) => m.load.p50 - d!.load.p50)),
            p99: median(directPairs.map(([m, d]) => m.load.p99 - d!.load.p99)),
          }
        : null,
    });
  }
  return rows;
}

/** A ratio of one target against another within the same rounds (e.g. Shopgraph vs Hive). */
export function pairedRatio(
  all: readonly Measurement[],
  select: { mode: string; workers: number; scenario: string },
  a: Target,
  b: Target,
  metric: (m: Measurement) => number,
): number {
  const measured = all.filter((m) => m.round >= 1 && key(m) === key(select));
  const ratios = measured
    .filter((m) => m.target === a)
    .map((m) => [m, measured.find((o) => o.round === m.round && o.target === b)] as const)
    .filter(([, o]) => o)
    .map(([m, o]) => metric(m) / metric(o!));
  return median(ratios);
}
