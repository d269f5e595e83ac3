import { describe, expect, it } from "vitest";
import { allocatedBytes, summarizePolicy, type PolicySample } from "../lib/policy-stats.ts";

const sample = (variant: string, round: number, cpuNsPerCall: number, bytesPerCall = 100): PolicySample => ({
  variant,
  round,
  calls: 1_000,
  cpuNs: cpuNsPerCall * 1_000,
  wallNs: cpuNsPerCall * 2_000,
  allocatedBytes: bytesPerCall * 1_000,
  gcs: 0,
  load: 1,
});
const scale = { floor: "bare", reference: "hand", callsPerRequest: 4, requestCpuMs: 1.9 };

describe("allocatedBytes", () => {
  it("is the heap's growth when nothing was collected", () => {
    expect(allocatedBytes(1_000, 5_000, [])).toBe(4_000);
  });

  it("adds what each collection freed, and nothing for one that grew the heap", () => {
    // 1 000 → (allocates 9 000) 10 000 → gc → 2 000 → (allocates 3 000) 5 000 → gc that grew it → 5 500 → (500) 6 000
    const gcs = [
      { before: 10_000, after: 2_000 },
      { before: 5_000, after: 5_500 },
    ];
    expect(allocatedBytes(1_000, 6_000, gcs)).toBe(13_000);
  });
});

describe("summarizePolicy", () => {
  it("leaves out the warm-up round and takes medians per call", () => {
    const rows = summarizePolicy(
      [
        sample("hand", 0, 9_999),
        sample("hand", 1, 1_000, 50),
        sample("hand", 2, 3_000, 70),
        sample("hand", 3, 2_000, 60),
      ],
      scale,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        variant: "hand",
        rounds: 3,
        cpuNsPerCall: 2_000,
        wallNsPerCall: 4_000,
        bytesPerCall: 60,
      }),
    ]);
  });

  it("pairs variants round by round: ratio and extra cost against the reference, policy cost above the floor", () => {
    // Round 2 is slow for everyone (the shared machine): per-round pairing keeps the ratio at 2.
    const samples = [
      ...[1, 2, 3].map((r) => sample("bare", r, r === 2 ? 800 : 400)),
      ...[1, 2, 3].map((r) => sample("hand", r, r === 2 ? 1_000 : 500)),
      ...[1, 2, 3].map((r) => sample("cockatiel", r, r === 2 ? 2_000 : 1_000)),
    ];
    const rows = Object.fromEntries(summarizePolicy(samples, scale).map((row) => [row.variant, row]));
    expect(rows.hand).toMatchObject({ ratio: 1, extraNsPerCall: 0, policyNsPerCall: 100 });
    expect(rows.cockatiel).toMatchObject({ ratio: 2, extraNsPerCall: 500, policyNsPerCall: 600 });
    // 4 calls × 500 ns against 1.9 ms of CPU per request.
    expect(rows.cockatiel!.extraShareOfRequest).toBeCloseTo(2_000 / 1_900_000, 10);
  });

  it("gives NaN, not a made-up figure, for a variant never measured beside the reference", () => {
    const rows = summarizePolicy([sample("cockatiel", 1, 1_000)], scale);
    expect(rows[0]!.ratio).toBeNaN();
    expect(rows[0]!.extraShareOfRequest).toBeNaN();
  });
});
