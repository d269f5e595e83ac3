import { counter, histogram, LAG_BUCKETS, sourcedGauge } from "@shopgraph/metrics";
import type { EventEnvelope } from "./envelope.ts";
import type { Outcome } from "./process-event.ts";

const published = counter({
  name: "events_published_total",
  help: "Events the outbox relay handed to the transport, by type.",
  labelNames: ["type"] as const,
});
const publishFailures = counter({
  name: "events_publish_failures_total",
  help: "Relay batches the transport refused (kept in the outbox and retried).",
  labelNames: ["transport"] as const,
});
const publishLag = histogram({
  name: "events_publish_lag_seconds",
  help: "Time from the state change (occurredAt) to the event being published.",
  labelNames: ["type"] as const,
  buckets: LAG_BUCKETS,
});
const consumed = counter({
  name: "events_consumed_total",
  help: "Event handling attempts by consumer group, type and outcome (done, retry, dead).",
  labelNames: ["group", "type", "outcome"] as const,
});
const replayed = counter({
  name: "events_replayed_total",
  help: "Outbox rows published again because the transport lost published events (Redis restarted empty), by producer.",
  labelNames: ["service"] as const,
});
const deadLettered = counter({
  name: "events_dead_lettered_total",
  help: "Events moved to a consumer group's dead letters.",
  labelNames: ["group", "type"] as const,
});
const consumeLag = histogram({
  name: "events_consume_lag_seconds",
  help: "Time from the state change (occurredAt) to a consumer starting to handle the event: the end-to-end event bus lag.",
  labelNames: ["group", "type"] as const,
  buckets: LAG_BUCKETS,
});

/** Unpublished outbox rows per producer (read at scrape time). */
export const outboxBacklog = sourcedGauge({
  name: "events_outbox_pending",
  help: "Outbox rows not yet published, by producer.",
  labelNames: ["service"] as const,
});
/** Age of the oldest unpublished outbox row per producer (read at scrape time). */
export const outboxOldestAge = sourcedGauge({
  name: "events_outbox_oldest_pending_age_seconds",
  help: "Age of the oldest unpublished outbox row, by producer (0 when empty).",
  labelNames: ["service"] as const,
});
/** Events waiting for a consumer group (Redis: the group's lag plus its pending entries; inbox: PENDING rows). */
export const consumerBacklog = sourcedGauge({
  name: "events_consumer_backlog",
  help: "Events delivered to the bus but not yet handled, by consumer group and state (waiting, pending).",
  labelNames: ["group", "state"] as const,
});

// Event types are a fixed catalog, but a malformed message could carry anything.
const typeLabel = (type: string | undefined) => (type && /^[a-z][a-z0-9_.]{0,60}$/.test(type) ? type : "unknown");

/** Records a batch the relay published. */
export function observePublished(events: readonly EventEnvelope[], now = Date.now()): void {
  for (const event of events) {
    const type = typeLabel(event.type);
    published.inc({ type });
    publishLag.observe({ type }, Math.max(0, now - Date.parse(event.occurredAt)) / 1000);
  }
}

/** Records a batch the transport refused. */
export function observePublishFailure(transport: string): void {
  publishFailures.inc({ transport });
}

/** Records the start of a handling attempt (lag) . */
export function observeConsumeStart(group: string, event: EventEnvelope, now = Date.now()): void {
  consumeLag.observe({ group, type: typeLabel(event.type) }, Math.max(0, now - Date.parse(event.occurredAt)) / 1000);
}

/** Records how a handling attempt ended. */
export function observeOutcome(group: string, outcome: Outcome): void {
  const type = typeLabel(outcome.event?.type);
  consumed.inc({ group, type, outcome: outcome.kind });
  if (outcome.kind === "dead") deadLettered.inc({ group, type });
}

/** Rows of the replay window marked for publishing again after the transport lost events. */
export function observeReplay(service: string, rows: number): void {
  replayed.inc({ service }, rows);
}
