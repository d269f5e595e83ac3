import { SpanKind } from "@opentelemetry/api";
import { counter, histogram, LATENCY_BUCKETS, sourcedGauge } from "@shopgraph/metrics";
import { withSpan } from "@shopgraph/telemetry";

const attempts = counter({
  name: "notification_delivery_attempts_total",
  help: "Email/SMS/push send attempts by channel and outcome (sent, failed).",
  labelNames: ["channel", "outcome"] as const,
});
const duration = histogram({
  name: "notification_delivery_duration_seconds",
  help: "Time one email/SMS/push send took, by channel.",
  labelNames: ["channel"] as const,
  buckets: LATENCY_BUCKETS,
});
const byStatus = sourcedGauge({
  name: "notification_deliveries",
  help: "Deliveries by channel and status (PENDING, FAILED, SENT, DEAD_LETTERED), read at scrape time.",
  labelNames: ["channel", "status"] as const,
});

/**
 * Wraps an email transport, SMS or push provider: every send is a CLIENT span (no recipient or body on
 * it) and counts as sent or failed. The wrapper inherits everything else from the channel
 * (a development channel's `sent` list stays readable).
 */
export function observeChannel<T extends { send(message: never): Promise<void> }>(
  channel: "EMAIL" | "SMS" | "PUSH",
  transport: T,
): T {
  const send = async (message: never) => {
    const startedAt = performance.now();
    try {
      await withSpan(
        `send ${channel.toLowerCase()}`,
        { kind: SpanKind.CLIENT, attributes: { "shopgraph.delivery.channel": channel } },
        () => transport.send(message),
      );
      attempts.inc({ channel, outcome: "sent" });
    } catch (error) {
      attempts.inc({ channel, outcome: "failed" });
      throw error;
    } finally {
      duration.observe({ channel }, (performance.now() - startedAt) / 1000);
    }
  };
  return Object.assign(Object.create(transport) as T, { send });
}

/**
 * Reports the notifications service's "Delivery" table per channel and status at scrape time (one
 * GROUP BY over its status index), through the service's raw-SQL access; returns a stop function.
 */
export function observeDeliveryStatuses(sql: {
  query<R extends Record<string, unknown>>(text: string): Promise<R[]>;
}): () => void {
  return byStatus.add(async () => {
    const rows = await sql.query<{ channel: string; status: string; count: number }>(
      `SELECT channel::text AS channel, status::text AS status, count(*)::int AS count FROM "Delivery" GROUP BY 1, 2`,
    );
    return rows.map((r) => ({ labels: { channel: r.channel, status: r.status }, value: r.count }));
  });
}
