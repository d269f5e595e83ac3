import { SpanKind, type Link, type SpanContext } from "@opentelemetry/api";
import { contextFromTraceparent, currentTraceparent, withSpan } from "@shopgraph/telemetry";
import type { EventEnvelope } from "./envelope.ts";

export { currentTraceparent };

/** A Prisma client as far as {@link traceOutboxWrites} needs it (structural: no generated client imported). */
interface Extendable {
  $extends(extension: unknown): unknown;
}

type CreateArgs = { data?: Record<string, unknown> | Record<string, unknown>[] };
type QueryCall = { args: CreateArgs; query: (args: CreateArgs) => Promise<unknown> };

const stamp = (row: Record<string, unknown>, traceparent: string) =>
  row.traceparent == null ? { ...row, traceparent } : row;

/**
 * Returns the producer's Prisma client with every outbox write stamped with the active trace
 * context: `OutboxEvent.create/createMany` rows without a `traceparent` get the current one, so
 * the consumer continues the trace of the request that caused the event. Domain code writes
 * outbox rows as before; a row that already carries a traceparent keeps it.
 */
export function traceOutboxWrites<T extends Extendable>(prisma: T): T {
  const fill = async ({ args, query }: QueryCall) => {
    const traceparent = currentTraceparent();
    if (!traceparent || !args.data) return query(args);
    const data = Array.isArray(args.data)
      ? args.data.map((row) => stamp(row, traceparent))
      : stamp(args.data, traceparent);
    return query({ ...args, data });
  };
  // The extended client has the same methods plus the hook; its type differs only nominally.
  return prisma.$extends({
    name: "outbox-traceparent",
    query: { outboxEvent: { create: fill, createMany: fill, createManyAndReturn: fill } },
  }) as T;
}

/** Messaging attributes of an event span (ids and type only: payloads may hold personal data). */
const eventAttributes = (event: EventEnvelope, extra: Record<string, string | number> = {}) => ({
  "messaging.system": "shopgraph-events",
  "messaging.message.id": event.id,
  "messaging.destination.name": event.type,
  ...extra,
});

/**
 * Runs a consumer's handler for one event inside a CONSUMER span that continues the producer's
 * trace (parent = the envelope's traceparent), so one placeOrder is one trace from the gateway
 * through the event hop to the queued email. Events without a traceparent start a new trace.
 */
export function traceEventHandling<T>(
  event: EventEnvelope,
  group: string,
  attempt: number,
  fn: () => Promise<T>,
): Promise<T> {
  return withSpan(
    `process ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextFromTraceparent(event.traceparent),
      attributes: eventAttributes(event, {
        "messaging.consumer.group.name": group,
        "messaging.operation.type": "process",
        "shopgraph.event.attempt": attempt,
      }),
    },
    () => fn(),
  );
}

/**
 * Runs one relay publish inside a PRODUCER span linked to every event's originating trace (a batch
 * mixes events of many requests, so links, not a parent). A batch of one continues its trace.
 */
export function tracePublish<T>(events: readonly EventEnvelope[], transport: string, fn: () => Promise<T>): Promise<T> {
  const traced = events.filter((e) => e.traceparent);
  const single = events.length === 1 ? events[0] : undefined;
  const links: Link[] = single
    ? []
    : traced.flatMap((e) => {
        const spanContext = spanContextOf(e.traceparent);
        return spanContext ? [{ context: spanContext }] : [];
      });
  return withSpan(
    single ? `publish ${single.type}` : "publish events",
    {
      kind: SpanKind.PRODUCER,
      parent: contextFromTraceparent(single?.traceparent ?? null),
      links,
      attributes: {
        "messaging.system": "shopgraph-events",
        "messaging.operation.type": "send",
        "messaging.batch.message_count": events.length,
        "shopgraph.events.transport": transport,
        ...(single ? { "messaging.message.id": single.id, "messaging.destination.name": single.type } : {}),
      },
    },
    () => fn(),
  );
}

/** The remote span context a `traceparent` names (for links). */
function spanContextOf(traceparent: string | null): SpanContext | undefined {
  const match = traceparent ? /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent) : null;
  if (!match) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16), isRemote: true };
}
