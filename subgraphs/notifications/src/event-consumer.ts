import {
  createInboxConsumer,
  createRedisStreamConsumer,
  type EventConsumer,
  type EventHandler,
  type SqlDatabase,
} from "@shopgraph/events";
import type { Logger } from "@shopgraph/logger";
import type { NotificationsConfig } from "./config.ts";
import { eventOrderingKey } from "./domain/event-handlers.ts";

/** The consumer group of this service: its instances share the events between them. */
export const CONSUMER_GROUP = "notifications";

/**
 * Handlers at once: EVENTS_CONSUMER_CONCURRENCY, leaving the API and the sender a connection of
 * the pool; 1 on the embedded database, which serves one connection (handlers would only queue).
 */
export function consumerConcurrency(
  config: Pick<NotificationsConfig, "DATABASE_URL" | "DATABASE_POOL_MAX" | "EVENTS_CONSUMER_CONCURRENCY">,
): number {
  if (!config.DATABASE_URL) return 1;
  return Math.max(1, Math.min(config.EVENTS_CONSUMER_CONCURRENCY, config.DATABASE_POOL_MAX - 1));
}

/**
 * The event consumer for this configuration: Redis Streams (consumer group "notifications") when
 * REDIS_URL is set; otherwise the embedded inbox table fed by the relays' pushes to POST /events.
 */
export function createEventConsumer(
  config: NotificationsConfig,
  deps: { sql: SqlDatabase; handler: EventHandler; logger: Logger },
): EventConsumer {
  const common = {
    group: CONSUMER_GROUP,
    handler: deps.handler,
    logger: deps.logger,
    retry: { maxAttempts: config.EVENTS_MAX_ATTEMPTS, baseMs: config.EVENTS_RETRY_BASE_MS, maxMs: 5 * 60_000 },
    claimIdleMs: config.EVENTS_CLAIM_IDLE_MS,
    pollIntervalMs: config.EVENTS_POLL_MS,
    concurrency: consumerConcurrency(config),
    orderingKey: eventOrderingKey,
  };
  if (config.REDIS_URL)
    return createRedisStreamConsumer({ ...common, url: config.REDIS_URL, prefix: config.REDIS_KEY_PREFIX });
  return createInboxConsumer({ ...common, db: deps.sql });
}
