import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "@shopgraph/logger";
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from "./backoff.ts";
import {
  describeError,
  MalformedEventError,
  parseEnvelope,
  parseEnvelopeJson,
  PermanentEventError,
  type EventEnvelope,
} from "./envelope.ts";
import { observeConsumeStart, observeOutcome } from "./event-metrics.ts";
import { traceEventHandling } from "./tracing.ts";
import type { ConsumerOptions, EventHandler } from "./transport.ts";

/** What to do with a message after one try. */
export type Outcome =
  | { kind: "done"; event: EventEnvelope }
  | { kind: "retry"; delayMs: number; error: string; event: EventEnvelope }
  | { kind: "dead"; error: string; event: EventEnvelope | null };

/** Consumer options with defaults applied (both transports read the same numbers). */
export interface ResolvedConsumerOptions {
  group: string;
  handler: EventHandler;
  logger: Logger;
  retry: RetryPolicy;
  claimIdleMs: number;
  batchSize: number;
  pollIntervalMs: number;
  consumerName: string;
  concurrency: number;
  /** The lane of a raw message for {@link runKeyed}: its ordering key, else its event id. */
  laneOf: (raw: unknown) => string;
}

const GROUP = /^[a-z][a-z0-9_-]{0,62}$/;

/** Applies defaults and validates the group name (it becomes part of Redis keys). */
export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  if (!GROUP.test(options.group)) throw new Error(`invalid consumer group name: ${options.group}`);
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  if (retry.maxAttempts < 1) throw new Error("retry.maxAttempts must be at least 1");
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error("concurrency must be a positive integer");
  const orderingKey = options.orderingKey;
  return {
    group: options.group,
    handler: options.handler,
    logger: options.logger.child({ consumerGroup: options.group }),
    retry,
    claimIdleMs: options.claimIdleMs ?? 30_000,
    batchSize: options.batchSize ?? 20,
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
    consumerName: options.consumerName ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`,
    concurrency,
    laneOf(raw) {
      let event: EventEnvelope;
      try {
        event = typeof raw === "string" ? parseEnvelopeJson(raw) : parseEnvelope(raw);
      } catch {
        // Malformed: dead-lettered at once by attemptEvent, so any lane of its own will do.
        return `malformed:${randomBytes(6).toString("hex")}`;
      }
      const key = orderingKey?.(event);
      // Copies of one event share a lane too: they never race each other for the idempotency record.
      return key === null || key === undefined ? `e:${event.id}` : `k:${key}`;
    },
  };
}

/**
 * One try at one message, the same for every transport: validate the envelope (malformed →
 * dead at once), run the handler, and classify a failure as retry (with backoff) or dead.
 * `attempt` is 1-based and already counts this try.
 */
export async function attemptEvent(raw: unknown, attempt: number, options: ResolvedConsumerOptions): Promise<Outcome> {
  const outcome = await tryEvent(raw, attempt, options);
  observeOutcome(options.group, outcome);
  return outcome;
}

/** One try, without the bookkeeping {@link attemptEvent} adds around it. */
async function tryEvent(raw: unknown, attempt: number, options: ResolvedConsumerOptions): Promise<Outcome> {
  let event: EventEnvelope;
  try {
    event = typeof raw === "string" ? parseEnvelopeJson(raw) : parseEnvelope(raw);
  } catch (error) {
    options.logger.warn({ err: error }, "malformed event: dead-lettered");
    return { kind: "dead", error: describeError(error), event: null };
  }
  const { maxAttempts } = options.retry;
  const logger = options.logger.child({
    eventId: event.id,
    eventType: event.type,
    attempt,
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
  });
  if (attempt > maxAttempts) {
    // Only reachable when earlier tries died with their consumer: nothing left to retry.
    logger.error("event exceeded its attempts (consumers crashed while handling it): dead-lettered");
    return {
      kind: "dead",
      error: `gave up after ${maxAttempts} attempts: the consumer stopped while handling it`,
      event,
    };
  }
  observeConsumeStart(options.group, event);
  try {
    // Inside the consumer span, so the handler's queries and log lines belong to the producer's trace.
    await traceEventHandling(event, options.group, attempt, () =>
      options.handler(event, { attempt, maxAttempts, isLastAttempt: attempt >= maxAttempts, logger }),
    );
    return { kind: "done", event };
  } catch (error) {
    const message = describeError(error);
    if (error instanceof PermanentEventError || error instanceof MalformedEventError || attempt >= maxAttempts) {
      logger.error({ err: error }, "event handling failed for good: dead-lettered");
      return { kind: "dead", error: message, event };
    }
    const delayMs = retryDelayMs(attempt, options.retry);
    logger.warn({ err: error, retryInMs: delayMs }, "event handling failed: will retry");
    return { kind: "retry", delayMs, error: message, event };
  }
}
