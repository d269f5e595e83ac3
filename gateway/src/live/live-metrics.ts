import { counter, gauge, histogram, LAG_BUCKETS } from "@shopgraph/metrics";

// Labels are bounded: operation is a Subscription root field name, transport one of three,
// reason a fixed vocabulary.

const active = gauge({
  name: "gateway_subscriptions_active",
  help: "Open subscriptions on this gateway process, by root field (operation) and transport (multipart, ws, sse).",
  labelNames: ["operation", "transport"] as const,
});
const delivered = counter({
  name: "gateway_subscription_events_delivered_total",
  help: "Subscription results sent to clients, by root field and transport.",
  labelNames: ["operation", "transport"] as const,
});
const dropped = counter({
  name: "gateway_subscription_events_dropped_total",
  help: "Events not delivered, by root field and reason (slow_consumer: the subscriber's buffer was full and it was dropped; not_visible: the query answered null for this subscriber; failed: the per-event query failed).",
  labelNames: ["operation", "reason"] as const,
});
const lag = histogram({
  name: "gateway_subscription_delivery_lag_seconds",
  help: "From the event's occurredAt to its result being handed to the transport, by root field.",
  labelNames: ["operation"] as const,
  buckets: LAG_BUCKETS,
});
const rejected = counter({
  name: "gateway_subscriptions_rejected_total",
  help: "Subscriptions refused or ended by a limit, by reason (per_user, per_connection, shutting_down).",
  labelNames: ["reason"] as const,
});

/** Why an event did not reach a subscriber. */
export type DropReason = "slow_consumer" | "not_visible" | "failed";

/** The metrics of live subscriptions. */
export const liveMetrics = {
  opened: (operation: string, transport: string) => active.inc({ operation, transport }),
  closed: (operation: string, transport: string) => active.dec({ operation, transport }),
  delivered(operation: string, transport: string, occurredAt: string) {
    delivered.inc({ operation, transport });
    const at = Date.parse(occurredAt);
    if (Number.isFinite(at)) lag.observe({ operation }, Math.max(0, Date.now() - at) / 1000);
  },
  dropped: (operation: string, reason: DropReason) => dropped.inc({ operation, reason }),
  rejected: (reason: "per_user" | "per_connection" | "shutting_down") => rejected.inc({ reason }),
};
