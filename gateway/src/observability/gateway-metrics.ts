import type { Fetcher } from "@apollo/utils.fetcher";
import { InMemoryLRUCache, type KeyValueCache } from "@apollo/utils.keyvaluecache";
import { counter, histogram, LATENCY_BUCKETS, sourcedGauge } from "@shopgraph/metrics";
import type { BreakerState, CircuitBreaker } from "../subgraphs/circuit-breaker.ts";
import { SubgraphUnavailableError, type FailureReason } from "../subgraphs/subgraph-fetcher.ts";

// Gateway-only metrics. Labels are bounded: subgraph names come from the supergraph, the rest
// are fixed vocabularies.

const subgraphRequests = counter({
  name: "gateway_subgraph_requests_total",
  help: "Subgraph fetches by subgraph and outcome (ok, http_error, unavailable, circuit_open); retries inside one fetch count once.",
  labelNames: ["subgraph", "outcome"] as const,
});
const subgraphDuration = histogram({
  name: "gateway_subgraph_request_duration_seconds",
  help: "Subgraph fetch latency (all attempts of one fetch), by subgraph.",
  labelNames: ["subgraph"] as const,
  buckets: LATENCY_BUCKETS,
});
const planCache = counter({
  name: "gateway_query_plan_cache_total",
  help: "Query plan cache lookups by result (hit, miss).",
  labelNames: ["result"] as const,
});
const persistedQueries = counter({
  name: "gateway_persisted_queries_total",
  help: "Persisted query lookups: kind apq (hit, miss, registered) and trusted (hit, unknown: allowed in audit mode, rejected: refused in enforce mode).",
  labelNames: ["kind", "result"] as const,
});
const rateLimitRejections = counter({
  name: "gateway_rate_limit_rejections_total",
  help: "Requests refused with 429, by bucket (cost: query-cost budget; credentials: sign-in attempts per IP).",
  labelNames: ["bucket"] as const,
});
const breakerState = sourcedGauge({
  name: "gateway_circuit_breaker_state",
  help: "Circuit breaker state per subgraph: 0 closed, 1 half-open, 2 open.",
  labelNames: ["subgraph"] as const,
});

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };
const subgraphFailures = counter({
  name: "gateway_subgraph_failures_total",
  help: "Failed subgraph attempts by reason (circuit_open, timeout, connection_refused, connection_reset, http_5xx, other) and whether they counted against the breaker.",
  labelNames: ["subgraph", "reason", "counted"] as const,
});

/** Records one failed subgraph attempt with its underlying reason (so "circuit open" is never the only story). */
export function observeSubgraphFailure(subgraph: string, reason: FailureReason, counted: boolean): void {
  subgraphFailures.inc({ subgraph, reason, counted: String(counted) });
}

/** Wraps a subgraph fetcher with request, outcome and latency metrics. */
export function instrumentFetcher(subgraph: string, fetcher: Fetcher): Fetcher {
  const wrapped = async (url: string, init?: unknown) => {
    const startedAt = performance.now();
    let outcome = "ok";
    try {
      const response = await (fetcher as (url: string, init?: unknown) => Promise<{ status: number }>)(url, init);
      if (response.status >= 400) outcome = "http_error";
      return response;
    } catch (error) {
      outcome =
        error instanceof SubgraphUnavailableError && error.reason === "circuit_open" ? "circuit_open" : "unavailable";
      throw error;
    } finally {
      subgraphRequests.inc({ subgraph, outcome });
      subgraphDuration.observe({ subgraph }, (performance.now() - startedAt) / 1000);
    }
  };
  return wrapped as unknown as Fetcher;
}

/** Reports each subgraph's circuit state at scrape time; returns the function that stops it. */
export function observeBreakers(breakers: ReadonlyMap<string, CircuitBreaker>): () => void {
  return breakerState.add(async () =>
    [...breakers].map(([subgraph, breaker]) => ({ labels: { subgraph }, value: STATE_VALUE[breaker.state] })),
  );
}

/** The query plan cache (Apollo Gateway's own default: an LRU of ~30 MiB) with hit/miss counting. */
export function createQueryPlanCache<V extends object>(): KeyValueCache<V> & { clear(): void } {
  const inner = new InMemoryLRUCache<V>();
  return {
    async get(key) {
      const value = await inner.get(key);
      planCache.inc({ result: value === undefined ? "miss" : "hit" });
      return value;
    },
    set: (key, value, options) => inner.set(key, value, options),
    delete: (key) => inner.delete(key),
    // The gateway clears its plan cache when the schema changes.
    clear: () => inner.clear(),
  };
}

/** Counts APQ lookups (hit/miss) and registrations on the APQ store. */
export function countApqLookups(cache: KeyValueCache<string>): KeyValueCache<string> {
  return {
    async get(key) {
      const value = await cache.get(key);
      persistedQueries.inc({ kind: "apq", result: value === undefined ? "miss" : "hit" });
      return value;
    },
    async set(key, value, options) {
      persistedQueries.inc({ kind: "apq", result: "registered" });
      return cache.set(key, value, options);
    },
    delete: (key) => cache.delete(key),
  };
}

/** Records a trusted-documents decision. */
export function observeTrustedDocument(result: "hit" | "unknown" | "rejected"): void {
  persistedQueries.inc({ kind: "trusted", result });
}

/** Records a rate-limit rejection. */
export function observeRateLimitRejection(bucket: string): void {
  rateLimitRejections.inc({ bucket });
}
