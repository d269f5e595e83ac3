import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createAccessTokenVerifier, startRevocations, type VerifierOptions } from "@shopgraph/auth";
import { createInboxRoute, prismaDatabase, type EventConsumer, type WorkLoop } from "@shopgraph/events";
import type { Logger } from "@shopgraph/logger";
import { createSubgraphServer, subgraphHttpOptions, subgraphLimits, observeChannel, observeDeliveryStatuses, openDatabase } from "@shopgraph/subgraph-kit";
import type { NotificationsConfig } from "./config.ts";
import { createNotificationsContext } from "./context.ts";
import { createDb, type Db } from "./db/client.ts";
import { createRecordingEmailTransport, createRecordingSmsProvider, type EmailTransport, type SmsProvider } from "./domain/channels.ts";
import { createDeliverySender } from "./domain/delivery-sender.ts";
import { createNotificationsEventHandler } from "./domain/event-handlers.ts";
import { createSmtpEmailTransport } from "./domain/smtp-transport.ts";
import { createEventConsumer } from "./event-consumer.ts";
import { permissions } from "./permissions.ts";
import { resolvers } from "./resolvers/index.ts";
import { seedNotificationsDatabase } from "./seed.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const typeDefs = readFileSync(here("./schema.graphql"), "utf8");

/** Replaceable collaborators (tests): a local JWKS, and email/SMS channels. */
export interface NotificationsDeps {
  jwks?: VerifierOptions["jwks"];
  email?: EmailTransport;
  sms?: SmsProvider;
}

/** A running notifications subgraph. */
export interface NotificationsSubgraph {
  url: string;
  /** The metrics listener (GET /metrics), never on the public port. */
  metricsUrl: string | undefined;
  db: Db;
  consumer: EventConsumer;
  sender: WorkLoop;
  email: EmailTransport;
  sms: SmsProvider;
  close(): Promise<void>;
}

/**
 * Opens the database, seeds if asked, starts the event consumer and the sender (roles worker, all),
 * and serves (every role: the worker's HTTP server answers probes and metrics; no Service routes GraphQL to it).
 */
export async function startNotificationsSubgraph(config: NotificationsConfig, logger: Logger, deps: NotificationsDeps = {}): Promise<NotificationsSubgraph> {
  const isWorker = config.NOTIFICATIONS_ROLE !== "api";
  const database = await openDatabase({ service: "notifications", databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, migrationsDir: here("../prisma/migrations"), logger, poolMax: config.DATABASE_POOL_MAX, migrate: config.MIGRATE_ON_START });
  const db = createDb(database.url, database.poolMax);
  if (config.SEED) await seedNotificationsDatabase(db, logger);
  // The event machinery runs raw SQL through the same Prisma pool (the embedded server takes one connection).
  const sql = prismaDatabase(db);
  // SMTP_URL set: real email over SMTP; unset: recorded (development). SMS has no provider yet.
  const email = deps.email ?? (config.SMTP_URL ? createSmtpEmailTransport({ url: config.SMTP_URL, logger }) : createRecordingEmailTransport(logger));
  const sms = deps.sms ?? createRecordingSmsProvider(logger);
  if (config.NODE_ENV === "production" && !deps.email && !config.SMTP_URL) logger.warn("emails are recorded, not sent: set SMTP_URL");
  if (config.NODE_ENV === "production" && !deps.sms) logger.warn("SMS are recorded, not sent (development provider)");
  const sender = createDeliverySender({
    db,
    // Observed: a span and sent/failed counts per send (the unwrapped channels are returned for tests).
    email: observeChannel("EMAIL", email),
    sms: observeChannel("SMS", sms),
    from: config.EMAIL_FROM,
    retry: { maxAttempts: config.DELIVERY_MAX_ATTEMPTS, baseMs: config.DELIVERY_RETRY_BASE_MS, maxMs: 60 * 60_000 },
    pollIntervalMs: config.EVENTS_POLL_MS,
    logger,
  });
  const handler = createNotificationsEventHandler({ db, templates: { storefrontUrl: config.STOREFRONT_URL }, onDeliveriesQueued: () => sender.wake() });
  const consumer = createEventConsumer(config, { sql, handler, logger });
  // Revocations (logout, password/role change) arrive from Redis, or from the users feed without it.
  const revocations = await startRevocations(config, { role: "reader", logger });
  const { http } = await createSubgraphServer({
    name: "notifications",
    typeDefs,
    resolvers,
    permissions,
    logger,
    verifyAccessToken: createAccessTokenVerifier({ ...(deps.jwks ? { jwks: deps.jwks } : { jwksUrl: config.JWKS_URL }), issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS, revocations }),
    credentials: config.ACCEPTED_CREDENTIALS,
    limits: subgraphLimits(config),
    createContext: (base) => createNotificationsContext(base, db),
    production: config.NODE_ENV === "production",
    http: subgraphHttpOptions(config),
    isReady: async () => (await db.$queryRaw`SELECT 1`, !isWorker || consumer.healthy),
    // Embedded mode only: the producers' relays push here; with Redis the stream carries events.
    routes: config.REDIS_URL ? {} : { "POST /events": createInboxRoute({ db: sql, serviceToken: config.ACCEPTED_CREDENTIALS.service, logger, onStored: () => consumer.wake() }) },
  });
  if (isWorker) {
    await consumer.start();
    sender.start();
  }
  const stopDeliveryMetrics = observeDeliveryStatuses(sql);
  const { url, metricsUrl } = await http.listen(config.PORT, config.HOST);
  logger.info({ url: `${url}/graphql`, role: config.NOTIFICATIONS_ROLE, embeddedDatabase: database.embedded, events: config.REDIS_URL ? "redis-streams" : "embedded-inbox" }, "notifications subgraph ready");
  return {
    url,
    metricsUrl,
    db,
    consumer,
    sender,
    email,
    sms,
    async close() {
      await http.close(config.SHUTDOWN_GRACE_MS, config.SHUTDOWN_DRAIN_DELAY_MS);
      stopDeliveryMetrics();
      if (isWorker) {
        await consumer.stop();
        await sender.stop();
      }
      await revocations.stop();
      await db.$disconnect();
      await database.close();
    },
  };
}
