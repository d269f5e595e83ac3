import { sourcedGauge } from "@shopgraph/metrics";
import { getTelemetry } from "@shopgraph/telemetry";

const connections = sourcedGauge({
  name: "db_client_connections",
  help: "Database pool connections by state (used, idle), from the pg instrumentation; needs the telemetry loader (node --import).",
  labelNames: ["state", "pool"] as const,
});
const pending = sourcedGauge({
  name: "db_client_connection_pending_requests",
  help: "Requests waiting for a pooled database connection.",
  labelNames: ["pool"] as const,
});
const max = sourcedGauge({
  name: "db_client_connections_max",
  help: "Configured maximum size of each database pool.",
  labelNames: ["pool"] as const,
});

const POOL = "db.client.connection.pool.name";

/**
 * Exposes Prisma's pg pool usage. Prisma's driver adapter keeps its pg.Pool private; the pg
 * instrumentation sees every pool's checkouts, so its OpenTelemetry counters are read at scrape
 * time. Without the SDK (no `--import` loader) these gauges stay empty. Returns a stop function.
 */
export function observeDbPool(): () => void {
  const read = async (metric: string) => ((await getTelemetry()?.readMetrics()) ?? []).filter((p) => p.name === metric);
  const removers = [
    connections.add(async () =>
      (await read("db.client.connection.count")).map((p) => ({
        labels: {
          state: p.attributes["db.client.connection.state"] ?? "unknown",
          pool: p.attributes[POOL] ?? "default",
        },
        value: p.value,
      })),
    ),
    pending.add(async () =>
      (await read("db.client.connection.pending_requests")).map((p) => ({
        labels: { pool: p.attributes[POOL] ?? "default" },
        value: p.value,
      })),
    ),
    max.add(async () =>
      (await read("db.client.connection.max")).map((p) => ({
        labels: { pool: p.attributes[POOL] ?? "default" },
        value: p.value,
      })),
    ),
  ];
  return () => removers.forEach((remove) => remove());
}
