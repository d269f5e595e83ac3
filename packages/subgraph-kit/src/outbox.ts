import { startOutboxRelay, type RunningOutboxRelay } from "@shopgraph/events";
import type { Logger } from "@shopgraph/logger";

/** The config fields a producing subgraph's relay reads. */
export interface RelayConfig {
  REDIS_URL?: string | undefined;
  REDIS_KEY_PREFIX: string;
  EVENTS_PUSH_URLS?: readonly string[] | undefined;
  /** The gateways' live-events URLs (embedded mode's subscriptions). */
  LIVE_EVENTS_URLS?: readonly string[] | undefined;
  /** The gateway credential (the first is current): live pushes present it to the gateways. */
  ACCEPTED_CREDENTIALS: { readonly gateway: readonly string[] };
  /** Re-publish window after Redis lost published events (see @shopgraph/events' outbox relay). */
  EVENTS_REPLAY_WINDOW_MS?: number | undefined;
  /** Where the relay LISTENs for outbox commits (default: the database's own URL, unless embedded). */
  OUTBOX_LISTEN_URL?: string | undefined;
  SERVICE_TOKEN: string;
}

/**
 * Starts publishing a producer's outbox: to Redis Streams when REDIS_URL is set, otherwise by
 * HTTP push to the consumers' inboxes and, best effort, the gateways' live endpoints (embedded
 * mode). Batches go through the subgraph's own Prisma client. On a real server one more session
 * LISTENs for outbox commits, so an event leaves right after its transaction commits; the embedded
 * database serves one connection at a time, so there the relay only polls.
 */
export function startProducerRelay(
  service: string,
  prisma: Parameters<typeof startOutboxRelay>[0]["prisma"],
  config: RelayConfig,
  logger: Logger,
  database: { url: string; embedded: boolean },
): RunningOutboxRelay {
  return startOutboxRelay({
    service,
    prisma,
    logger,
    redisUrl: config.REDIS_URL,
    redisKeyPrefix: config.REDIS_KEY_PREFIX,
    pushEndpoints: config.EVENTS_PUSH_URLS,
    serviceToken: config.SERVICE_TOKEN,
    listenUrl: config.OUTBOX_LISTEN_URL ?? (database.embedded ? undefined : database.url),
    liveEndpoints: config.LIVE_EVENTS_URLS,
    liveCredential: config.ACCEPTED_CREDENTIALS.gateway[0],
    ...(config.EVENTS_REPLAY_WINDOW_MS !== undefined ? { replayWindowMs: config.EVENTS_REPLAY_WINDOW_MS } : {}),
  });
}

/** Stamps outbox rows with the active trace context (see @shopgraph/events); wrap the producer's Prisma client with it in app.ts. */
export { traceOutboxWrites } from "@shopgraph/events";
