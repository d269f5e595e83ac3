import type { IncomingMessage, ServerResponse } from "node:http";
import client, { type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from "prom-client";

/**
 * The process's metrics registry (prom-client's default). One process = one service, so one
 * registry; Prometheus adds `job`/`instance`. Several services in one process (the e2e suite)
 * share it, which only merges their numbers.
 */
export const registry = client.register;

/** Latency buckets in seconds: 5 ms … 10 s, dense where GraphQL requests usually land. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Lag buckets in seconds for background work (events, deliveries): 10 ms … 10 min. */
export const LAG_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 600];

// Module instances can be loaded twice in one process (test runners, two copies of a package);
// registering a name twice throws, so every metric is get-or-create by name.
function existing<T>(name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/** A counter registered once per process under `name`. */
export function counter<L extends string>(config: CounterConfiguration<L>): client.Counter<L> {
  return existing<client.Counter<L>>(config.name) ?? new client.Counter<L>(config);
}

/** A histogram registered once per process under `name`. */
export function histogram<L extends string>(config: HistogramConfiguration<L>): client.Histogram<L> {
  return existing<client.Histogram<L>>(config.name) ?? new client.Histogram<L>(config);
}

/** A gauge registered once per process under `name`. */
export function gauge<L extends string>(config: GaugeConfiguration<L>): client.Gauge<L> {
  return existing<client.Gauge<L>>(config.name) ?? new client.Gauge<L>(config);
}

/** Something a gauge reads at scrape time, e.g. a consumer's backlog; returns label sets and values. */
export type GaugeSource<L extends string> = () => Promise<{ labels: Partial<Record<L, string>>; value: number }[]>;

// Per process, not per module instance (like the registry itself): a second copy of this module
// must add its sources to the gauge the first copy registered, not register the name again.
const SOURCES_KEY = Symbol.for("shopgraph.metrics.gauge-sources");
const holder = globalThis as { [SOURCES_KEY]?: Map<string, Set<GaugeSource<string>>> };
const sources = (holder[SOURCES_KEY] ??= new Map<string, Set<GaugeSource<string>>>());

/**
 * A gauge whose values are read from live sources when Prometheus scrapes (backlogs, circuit
 * states, pool usage). Each running component adds its source and removes it when it stops; a
 * failing or slow source (say, its database is down) is skipped, never failing the scrape.
 */
export function sourcedGauge<L extends string>(
  config: Omit<GaugeConfiguration<L>, "collect">,
  timeoutMs = 2_000,
): { add(source: GaugeSource<L>): () => void } {
  let set = sources.get(config.name);
  if (!set) {
    const own = new Set<GaugeSource<string>>();
    sources.set(config.name, own);
    set = own;
    new client.Gauge<L>({
      ...config,
      async collect() {
        this.reset();
        const results = await Promise.allSettled(
          [...own].map((source) =>
            Promise.race([
              source(),
              new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), timeoutMs).unref()),
            ]),
          ),
        );
        for (const result of results) {
          if (result.status !== "fulfilled") continue;
          for (const { labels, value } of result.value) this.set(labels as Partial<Record<L, string | number>>, value);
        }
      },
    });
  }
  const target = set;
  return {
    add(source) {
      target.add(source);
      return () => void target.delete(source);
    },
  };
}

let runtimeStarted = false;

/** Node runtime metrics (CPU, memory, heap, event-loop lag, GC, handles), once per process. */
export function collectRuntimeMetrics(): void {
  if (runtimeStarted) return;
  runtimeStarted = true;
  client.collectDefaultMetrics({ register: registry });
}

/** `GET /metrics`: the Prometheus text exposition of everything registered. */
export async function serveMetrics(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await registry.metrics();
  res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
  res.end(body);
}
