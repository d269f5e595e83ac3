import { randomUUID } from "node:crypto";
import { isUuid } from "@shopgraph/util";

/** The wire format of every event (DESIGN.md "Events"); `version` versions the payload shape of `type`. */
export interface EventEnvelope<P = Record<string, unknown>> {
  id: string;
  type: string;
  version: number;
  /** ISO-8601 UTC timestamp of the state change that produced the event. */
  occurredAt: string;
  /** W3C trace context of the request that caused the event, so consumers continue the trace. */
  traceparent: string | null;
  payload: P;
}

/** An event that can never be handled (unparsable, missing fields): dead-lettered without retries. */
export class MalformedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedEventError";
  }
}

/** Thrown by a handler when retrying cannot help (e.g. an unsupported version): dead-letters at once. */
export class PermanentEventError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentEventError";
  }
}

// "user.registered", "order.payment_failed", "inventory.low_stock": lower-case dotted words.
const TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Builds an envelope for a new event (tests and producers that do not go through an outbox row). */
export function createEnvelope<P extends Record<string, unknown>>(
  type: string,
  payload: P,
  options: { id?: string; version?: number; occurredAt?: Date; traceparent?: string | null } = {},
): EventEnvelope<P> {
  return {
    id: options.id ?? randomUUID(),
    type,
    version: options.version ?? 1,
    occurredAt: (options.occurredAt ?? new Date()).toISOString(),
    traceparent: options.traceparent ?? null,
    payload,
  };
}

/**
 * Validates an untrusted value as an envelope; throws MalformedEventError naming the first bad
 * field. A malformed traceparent is dropped rather than rejected: tracing must not poison events.
 */
export function parseEnvelope(value: unknown): EventEnvelope {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new MalformedEventError("envelope is not an object");
  const v = value as Record<string, unknown>;
  if (typeof v.id !== "string" || !isUuid(v.id)) throw new MalformedEventError("envelope.id must be a UUID");
  if (typeof v.type !== "string" || v.type.length > 100 || !TYPE.test(v.type))
    throw new MalformedEventError("envelope.type must look like 'domain.event_name'");
  if (typeof v.version !== "number" || !Number.isInteger(v.version) || v.version < 1)
    throw new MalformedEventError("envelope.version must be a positive integer");
  if (typeof v.occurredAt !== "string" || !ISO.test(v.occurredAt) || Number.isNaN(Date.parse(v.occurredAt))) {
    throw new MalformedEventError("envelope.occurredAt must be an ISO-8601 timestamp");
  }
  if (typeof v.payload !== "object" || v.payload === null || Array.isArray(v.payload))
    throw new MalformedEventError("envelope.payload must be an object");
  const traceparent = typeof v.traceparent === "string" && TRACEPARENT.test(v.traceparent) ? v.traceparent : null;
  return {
    id: v.id.toLowerCase(),
    type: v.type,
    version: v.version,
    occurredAt: new Date(v.occurredAt).toISOString(),
    traceparent,
    payload: v.payload as Record<string, unknown>,
  };
}

/** Parses JSON text as an envelope; unparsable text is a MalformedEventError too. */
export function parseEnvelopeJson(text: string): EventEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedEventError("envelope is not valid JSON");
  }
  return parseEnvelope(value);
}

/** The event id of a possibly malformed value, when it has a usable one (for dead-letter records). */
export function eventIdOf(value: unknown): string | null {
  const id = typeof value === "object" && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === "string" && isUuid(id) ? id.toLowerCase() : null;
}

/** A short, single-line description of an error for dead-letter records and `lastError` columns. */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s+/g, " ").slice(0, 1000);
}
