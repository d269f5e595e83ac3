import type { Logger } from "@shopgraph/logger";
import { createHttpPushPublisher, withLivePush } from "./http-push.ts";
import { outboxBacklog, outboxOldestAge } from "./event-metrics.ts";
import { listenForOutboxCommits } from "./outbox-listener.ts";
import { createOutboxRelay } from "./outbox-relay.ts";
import { createRedisStreamPublisher } from "./redis-streams.ts";
import { connectPgDatabase, prismaDatabase, type PrismaLike, type SqlDatabase } from "./sql.ts";
import type { EventPublisher } from "./transport.ts";

/** Options for {@link startOutboxRelay}: plain config values, so a producer's app.ts stays wiring only. */
export interface StartOutboxRelayOptions {
  /** Producer name, for logs and the pg application_name. */
  service: string;
  /**
   * The producer's own Prisma client (preferred): the relay borrows one of its connections per
   * batch, so it also works on the embedded PGlite server, which serves one connection at a time.
   */
  prisma?: PrismaLike;
  /** Or a database URL: the relay opens its own one-connection pool (real PostgreSQL only). */
  databaseUrl?: string;
  logger: Logger;
  /** Redis Streams when set (production and several replicas). */
  redisUrl?: string | undefined;
  redisKeyPrefix?: string | undefined;
  /** Embedded mode (no Redis): consumers' POST /events URLs. Default the notifications subgraph on 4004. */
  pushEndpoints?: readonly string[] | undefined;
  /** Sent with pushes (x-service-token). */
  serviceToken?: string | undefined;
  /** Embedded mode: the gateways' live-events URLs, pushed best effort after the inboxes (see {@link withLivePush}). */
  liveEndpoints?: readonly string[] | undefined;
  /** Sent with live pushes: the gateway credential. */
  liveCredential?: string | undefined;
  batchSize?: number;
  /** Poll interval; with `listenUrl` only the fallback for a missed notification. Default 500 ms. */
  intervalMs?: number;
  /**
   * A direct URL of the producer's database (real PostgreSQL, not a transaction-mode PgBouncer) to
   * LISTEN on: the relay then publishes as soon as an outbox row commits. Unset: polling only
   * (the embedded server, which serves one connection at a time).
   */
  listenUrl?: string | undefined;
  /** Re-publish window after the transport lost published events (EVENTS_REPLAY_WINDOW_MS). Default 1 h. */
  replayWindowMs?: number;
}

/** A started relay. */
export interface RunningOutboxRelay {
  readonly transport: "redis" | "http-push";
  readonly healthy: boolean;
  /** True while the commit listener's LISTEN session is up (false without `listenUrl`). */
  readonly listening: boolean;
  /** Stops polling, finishes the batch in hand, closes the publisher (and its own pool, if any). */
  close(): Promise<void>;
}

/** Where embedded-mode pushes go when nothing else is configured (notifications' default port). */
export const DEFAULT_PUSH_ENDPOINTS: readonly string[] = ["http://127.0.0.1:4004/events"];

/**
 * Starts the outbox relay of a producer (users, products, orders). Transport: Redis Streams when
 * `redisUrl` is set, else HTTP push to the consumers' inboxes (embedded mode). Call after
 * migrations ran; close it before disconnecting the Prisma client.
 */
export function startOutboxRelay(options: StartOutboxRelayOptions): RunningOutboxRelay {
  let own: (SqlDatabase & { close(): Promise<void> }) | undefined;
  let db: SqlDatabase;
  if (options.prisma) db = prismaDatabase(options.prisma);
  else if (options.databaseUrl) {
    own = connectPgDatabase(options.databaseUrl, {
      applicationName: `${options.service}-outbox-relay`,
      onIdleError: (error) => options.logger.warn({ err: error }, "outbox relay: idle connection error"),
    });
    db = own;
  } else throw new Error("startOutboxRelay: `prisma` or `databaseUrl` is required");
  const redis = !!options.redisUrl;
  const publisher: EventPublisher = options.redisUrl
    ? createRedisStreamPublisher({
        url: options.redisUrl,
        producer: options.service,
        ...(options.redisKeyPrefix !== undefined ? { prefix: options.redisKeyPrefix } : {}),
      })
    : withLivePush(
        createHttpPushPublisher({
          endpoints: options.pushEndpoints?.length ? options.pushEndpoints : DEFAULT_PUSH_ENDPOINTS,
          ...(options.serviceToken ? { serviceToken: options.serviceToken } : {}),
        }),
        {
          endpoints: options.liveEndpoints ?? [],
          credential: options.liveCredential ?? "",
          logger: options.logger.child({ service: options.service }),
        },
      );
  const relay = createOutboxRelay({
    db,
    publisher,
    transport: redis ? "redis" : "http-push",
    logger: options.logger.child({ service: options.service }),
    ...(options.batchSize ? { batchSize: options.batchSize } : {}),
    ...(options.intervalMs ? { intervalMs: options.intervalMs } : {}),
    ...(options.replayWindowMs !== undefined ? { replayWindowMs: options.replayWindowMs } : {}),
    service: options.service,
  });
  relay.start();
  const listener = options.listenUrl
    ? listenForOutboxCommits({
        url: options.listenUrl,
        onCommit: () => relay.wake(),
        // A (re)connect knows of no commit: looking first keeps an idle relay from opening a transaction.
        onListening: () => relay.poll(),
        logger: options.logger.child({ service: options.service }),
        applicationName: `${options.service}-outbox-listener`,
      })
    : undefined;
  // Read at scrape time (one aggregate over the unpublished rows), shared by the two gauges of a scrape.
  let reading: { at: number; value: Promise<{ pending: number; oldest: Date | null } | undefined> } | undefined;
  const backlog = () => {
    if (!reading || Date.now() - reading.at > 1_000) {
      reading = {
        at: Date.now(),
        value: db
          .query<{ pending: number; oldest: Date | null }>(
            `SELECT count(*)::int AS pending, min("occurredAt") AS oldest FROM "OutboxEvent" WHERE "publishedAt" IS NULL`,
          )
          .then((rows) => rows[0]),
      };
    }
    return reading.value;
  };
  const stopBacklog = outboxBacklog.add(async () => [
    { labels: { service: options.service }, value: (await backlog())?.pending ?? 0 },
  ]);
  const stopAge = outboxOldestAge.add(async () => {
    const oldest = (await backlog())?.oldest;
    return [
      {
        labels: { service: options.service },
        value: oldest ? Math.max(0, Date.now() - new Date(oldest).getTime()) / 1000 : 0,
      },
    ];
  });
  options.logger.info({ transport: redis ? "redis" : "http-push", wakeOnCommit: !!listener }, "outbox relay started");
  return {
    transport: redis ? "redis" : "http-push",
    get healthy() {
      return relay.healthy;
    },
    get listening() {
      return listener?.listening ?? false;
    },
    async close() {
      stopBacklog();
      stopAge();
      await listener?.close();
      await relay.stop();
      await publisher.close();
      await own?.close();
    },
  };
}
