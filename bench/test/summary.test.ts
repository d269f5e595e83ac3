import { describe, expect, it } from "vitest";
import type { Measurement, Target } from "../lib/measure.ts";
import { median, pairedRatio, summarize } from "../lib/summary.ts";

/** A measurement with the numbers a test cares about; the rest zero. */
function m(
  target: Target,
  round: number,
  load: { rps: number; p50: number; p99: number },
  extra: Partial<Measurement> = {},
): Measurement {
  return {
    mode: "engine",
    workers: 1,
    round,
    scenario: "small",
    target,
    load: { ...load, non2xx: 0, errors: 0, timeouts: 0, bytesPerResponse: 100 } as unknown as Measurement["load"],
    cpuMsPerRequest: 1,
    subgraphCpuMsPerRequest: 0,
    rssMb: 100,
    rssMaxProcessMb: 100,
    peakRssMb: 100,
    subgraphRequestsPerOp: 1,
    serviceRequestsPerOp: 0,
    sqlPerOp: 1,
    perSubgraph: {} as Measurement["perSubgraph"],
    ...extra,
  };
}

describe("median", () => {
  it("is the middle value, the mean of the two middle ones for an even count, NaN for none", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it("ignores non-finite values and does not reorder its input", () => {
    const values = [5, Number.NaN, 1, Number.POSITIVE_INFINITY, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, Number.NaN, 1, Number.POSITIVE_INFINITY, 3]);
  });
});

describe("summarize", () => {
  const runs = [
    m("shopgraph", 0, { rps: 1, p50: 999, p99: 999 }), // warm-up: never counted
    m("shopgraph", 1, { rps: 100, p50: 10, p99: 40 }, { peakRssMb: 150, cpuMsPerRequest: 2 }),
    m("shopgraph", 2, { rps: 300, p50: 20, p99: 60 }, { peakRssMb: 120, cpuMsPerRequest: 4 }),
    m("apollo", 1, { rps: 50, p50: 20, p99: 80 }, { cpuMsPerRequest: 4 }),
    m("apollo", 2, { rps: 100, p50: 10, p99: 30 }, { cpuMsPerRequest: 4 }),
    m("direct", 1, { rps: 1000, p50: 4, p99: 10 }),
    m("direct", 2, { rps: 1000, p50: 5, p99: 20 }),
  ];
  const rows = summarize(runs);
  const row = (target: Target) => rows.find((r) => r.target === target)!;

  it("has one row per target over the measured rounds (round 0 is the warm-up)", () => {
    expect(rows.map((r) => r.target).sort()).toEqual(["apollo", "direct", "shopgraph"]);
    expect(row("shopgraph").rounds).toBe(2);
    expect(row("shopgraph").rps).toBe(200);
    expect(row("shopgraph").p50).toBe(15);
  });

  it("takes the peak RSS as the maximum, not the median", () => {
    expect(row("shopgraph").peakRssMb).toBe(150);
  });

  it("compares with plain Apollo round by round (median of per-round ratios) and with the direct subgraph by difference", () => {
    // rps ratios: 100/50 = 2 and 300/100 = 3 → 2.5 (a ratio of medians would say 200/75).
    expect(row("shopgraph").vsApollo).toEqual({
      rps: 2.5,
      p50: (10 / 20 + 20 / 10) / 2,
      p99: (40 / 80 + 60 / 30) / 2,
      cpu: (2 / 4 + 4 / 4) / 2,
    });
    expect(row("shopgraph").vsDirect).toEqual({ p50: (6 + 15) / 2, p99: (30 + 40) / 2 });
    expect(row("direct").vsDirect).toEqual({ p50: 0, p99: 0 });
  });

  it("has no comparison when the peer target was not measured in the same rounds", () => {
    const alone = summarize([m("hive", 1, { rps: 10, p50: 1, p99: 2 })]);
    expect(alone[0]).toMatchObject({ vsApollo: null, vsDirect: null });
  });

  it("pairedRatio compares two targets within the same rounds only", () => {
    const select = { mode: "engine", workers: 1, scenario: "small" };
    expect(pairedRatio(runs, select, "shopgraph", "apollo", (x) => x.load.rps)).toBe(2.5);
    expect(pairedRatio(runs, select, "shopgraph", "hive", (x) => x.load.rps)).toBeNaN();
  });
});

describe("evaluateTargets (issue 16)", () => {
  it("computes the replay ratios within each round against Apollo and Hive + router-runtime", async () => {
    const { evaluateTargets } = await import("../lib/targets.ts");
    const r = (target: Target, round: number, rps: number, p99: number) =>
      m(target, round, { rps, p50: 1, p99 }, { mode: "replay", scenario: "heavy" });
    const runs = [
      r("shopgraph", 1, 400, 10),
      r("apollo", 1, 100, 40),
      r("hive-router", 1, 300, 20),
      r("shopgraph", 2, 200, 10),
      r("apollo", 2, 100, 20),
      r("hive-router", 2, 200, 20),
    ];
    const checks = evaluateTargets(runs, summarize(runs), null, [1]);
    const byTarget = (s: string) => checks.find((c) => c.target.includes(s))!;
    expect(byTarget("3.5×")).toMatchObject({ measured: "3.00×", met: false });
    expect(byTarget("router-runtime")).toMatchObject({ measured: "1.17×", met: false });
    expect(byTarget("p99")).toMatchObject({ measured: "0.38×", met: false });
    expect(checks.some((c) => c.target.includes("fanout-100"))).toBe(false);
  });
});
