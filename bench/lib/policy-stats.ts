import { median } from "./summary.ts";

/** One variant's measured round: CPU and wall time, bytes allocated, over `calls` subgraph calls. */
export interface PolicySample {
  variant: string;
  /** Round 0 is the warm-up (JIT, inline caches) and is left out of the summary. */
  round: number;
  calls: number;
  cpuNs: number;
  wallNs: number;
  allocatedBytes: number;
  /** Garbage collections during the round. */
  gcs: number;
  /** 1-minute load average when the round started. */
  load: number;
}

/** The used-heap figures of one garbage collection (v8.GCProfiler's before and after). */
export interface GcHeap {
  before: number;
  after: number;
}

/**
 * Bytes allocated between two used-heap readings: the growth, plus what every collection in
 * between freed (allocated = end − start + Σ freed). Collections that grew the heap free nothing.
 */
export function allocatedBytes(usedAtStart: number, usedAtEnd: number, gcs: readonly GcHeap[]): number {
  const freed = gcs.reduce((sum, gc) => sum + Math.max(0, gc.before - gc.after), 0);
  return usedAtEnd - usedAtStart + freed;
}

/** One variant's medians, and its cost against the floor and the reference within each round. */
export interface PolicyRow {
  variant: string;
  rounds: number;
  cpuNsPerCall: number;
  wallNsPerCall: number;
  bytesPerCall: number;
  /** CPU per call above the floor variant (the fetch without any policy), median of per-round differences. */
  policyNsPerCall: number;
  /** CPU per call against the reference, median of per-round ratios (1 for the reference itself). */
  ratio: number;
  /** CPU per call above the reference, median of per-round differences. */
  extraNsPerCall: number;
  /** `extraNsPerCall` for every call of one request, as a share of that request's CPU (0.01 = 1 %). */
  extraShareOfRequest: number;
}

export interface PolicyScale {
  /** The variant without any policy. */
  floor: string;
  /** The variant the others are compared with. */
  reference: string;
  callsPerRequest: number;
  requestCpuMs: number;
}

const perCall = (s: PolicySample, metric: "cpuNs" | "wallNs" | "allocatedBytes") => s[metric] / s.calls;

/** Medians over the measured rounds (≥ 1), in the order the variants first appear. */
export function summarizePolicy(samples: readonly PolicySample[], scale: PolicyScale): PolicyRow[] {
  const measured = samples.filter((s) => s.round >= 1);
  const variants = [...new Set(measured.map((s) => s.variant))];
  const inRound = (variant: string, round: number) => measured.find((s) => s.variant === variant && s.round === round);
  /** `f(sample, peer)` for each round where both ran, then the median. */
  const paired = (variant: string, peer: string, f: (a: PolicySample, b: PolicySample) => number) =>
    median(
      measured
        .filter((s) => s.variant === variant)
        .flatMap((s) => {
          const other = inRound(peer, s.round);
          return other ? [f(s, other)] : [];
        }),
    );
  return variants.map((variant) => {
    const own = measured.filter((s) => s.variant === variant);
    const extraNsPerCall = paired(variant, scale.reference, (a, b) => perCall(a, "cpuNs") - perCall(b, "cpuNs"));
    return {
      variant,
      rounds: own.length,
      cpuNsPerCall: median(own.map((s) => perCall(s, "cpuNs"))),
      wallNsPerCall: median(own.map((s) => perCall(s, "wallNs"))),
      bytesPerCall: median(own.map((s) => perCall(s, "allocatedBytes"))),
      policyNsPerCall: paired(variant, scale.floor, (a, b) => perCall(a, "cpuNs") - perCall(b, "cpuNs")),
      ratio: paired(variant, scale.reference, (a, b) => perCall(a, "cpuNs") / perCall(b, "cpuNs")),
      extraNsPerCall,
      extraShareOfRequest: (extraNsPerCall * scale.callsPerRequest) / (scale.requestCpuMs * 1e6),
    };
  });
}
