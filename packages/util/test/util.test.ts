import { describe, expect, it } from "vitest";
import { backoffDelayMs, isUuid, sleep } from "../src/index.ts";

describe("isUuid", () => {
  it("accepts UUIDs of any version in either case", () => {
    for (const id of [
      "00000000-0000-4000-8000-000000000000",
      "0190F3A2-7B1C-7D2E-9F00-1234567890AB",
      "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    ]) {
      expect(isUuid(id), id).toBe(true);
    }
  });

  it("refuses anything else, including near misses that would reach SQL as ::uuid casts", () => {
    for (const bad of [
      "",
      "not-a-uuid",
      "00000000000040008000000000000000",
      "{00000000-0000-4000-8000-000000000000}",
      " 00000000-0000-4000-8000-000000000000",
      "00000000-0000-4000-8000-00000000000g",
      "00000000-0000-4000-8000-000000000000\n",
    ]) {
      expect(isUuid(bad), JSON.stringify(bad)).toBe(false);
    }
  });
});

describe("sleep", () => {
  it("waits about `ms`", async () => {
    const started = performance.now();
    await sleep(50);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("resolves (never rejects) at once when the signal aborts, before or during the wait", async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(waiting).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect(sleep(10_000, controller.signal)).resolves.toBeUndefined();
  });
});

describe("backoffDelayMs", () => {
  const backoff = { baseMs: 1_000, maxMs: 60_000 };
  it("doubles per attempt from half the ceiling (random 0) to the ceiling (random 1)", () => {
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(a, backoff, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(a, backoff, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it("never exceeds maxMs, however many attempts, and treats attempts below 1 as the first", () => {
    expect(backoffDelayMs(40, backoff, () => 1)).toBe(60_000);
    expect(backoffDelayMs(10_000, backoff, () => 1)).toBe(60_000);
    expect(backoffDelayMs(0, backoff, () => 1)).toBe(1_000);
  });

  it("spreads delays with the default random source", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(5, backoff)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d >= 8_000 && d <= 16_000).toBe(true);
  });
});
