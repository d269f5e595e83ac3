import { describe, expect, it } from "vitest";
import { maxSustained, stepPasses, type CheckoutStep } from "../lib/checkout-report.ts";
import type { OpenLoopResult } from "../lib/open-loop.ts";
import { percentile } from "../lib/summary.ts";

/** A step with only the fields the verdicts read; the rest are irrelevant zeros. */
function step(target: CheckoutStep["target"], rate: number, load: Partial<OpenLoopResult>): CheckoutStep {
  const base: OpenLoopResult = {
    rate,
    scheduled: rate,
    completed: rate,
    failed: 0,
    dropped: 0,
    throughput: rate,
    p50: 10,
    p90: 20,
    p99: 50,
    max: 60,
    sendLagP99: 0,
  };
  const zero = { gateway: 0, users: 0, products: 0, orders: 0, notifications: 0, postgres: 0, redis: 0 };
  return {
    target,
    rate,
    load: { ...base, ...load },
    paid: rate,
    sqlPerOrder: { users: 0, products: 0, orders: 0, notifications: 0, total: 0 },
    requestsPerOrder: 0,
    cpuMsPerOrder: zero,
    coresBusy: 0,
    windowSeconds: 1,
  };
}

describe("percentile", () => {
  const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it("takes the sample at index ⌊p/100 · n⌋ and the last one for p = 100", () => {
    expect([percentile(sorted, 0), percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 100)]).toEqual([
      1, 51, 100, 100,
    ]);
    expect(percentile([3, 7], 50)).toBe(7);
    expect(percentile([42], 99)).toBe(42);
  });

  it("is NaN without samples", () => {
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
  });
});

describe("checkout verdicts", () => {
  it("a step passes only with no failed order and p99 under 250 ms", () => {
    expect(stepPasses(step("gateway", 10, {}))).toBe(true);
    expect(stepPasses(step("gateway", 10, { failed: 1 }))).toBe(false);
    expect(stepPasses(step("gateway", 10, { p99: 250 }))).toBe(false);
    expect(stepPasses(step("gateway", 10, { p99: 249.9 }))).toBe(true);
  });

  it("the sustained rate is the highest passing rate below the first failure, per target, in rate order", () => {
    const steps = [
      step("gateway", 40, {}), // passes, but above the failure at 30: not sustained
      step("gateway", 10, {}),
      step("gateway", 30, { p99: 400 }),
      step("gateway", 20, {}),
      step("direct", 80, {}),
    ];
    expect(maxSustained(steps, "gateway")).toBe(20);
    expect(maxSustained(steps, "direct")).toBe(80);
    expect(maxSustained([step("gateway", 10, { failed: 3 })], "gateway")).toBe(0);
    expect(maxSustained([], "direct")).toBe(0);
  });
});
