import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { VerifierOptions } from "@shopgraph/auth";
import { createInboxRoute, prismaDatabase, type EventConsumer, type WorkLoop } from "@shopgraph/events";
import { createLiveAnnouncer } from "./live-announcer.ts";
import type { Logger } from "@shopgraph/logger";
import { observeChannel, observeDeliveryStatuses, startSubgraph, type RunningSubgraph } from "@shopgraph/subgraph-kit";
import type { NotificationsConfig } from "./config.ts";
import { createNotificationsContext } from "./context.ts";
import { createDb, type Db } from "./db/client.ts";
import {
  createRecordingEmailTransport,
  createRecordingPushProvider,
  createRecordingSmsProvider,
  type EmailTransport,
  type PushProvider,
  type SmsProvider,
} from "./domain/channels.ts";
import { createDeliverySender } from "./domain/delivery-sender.ts";
import { createNotificationsEventHandler } from "./domain/event-handlers.ts";
import { createFcmPushProvider } from "./domain/fcm-transport.ts";
import { createSmtpEmailTransport } from "./domain/smtp-transport.ts";
import { createEventConsumer } from "./event-consumer.ts";
import { resolvers } from "./resolvers/index.ts";
import { seedNotificationsDatabase } from "./seed.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const typeDefs = readFileSync(here("./schema.graphql"), "utf8");

/** What the notifications subgraph is started with besides its config; tests add a local JWKS and email/SMS/push channels. */
export interface NotificationsDeps {
  logger: Logger;
  jwks?: VerifierOptions["jwks"];
  email?: EmailTransport;
  sms?: SmsProvider;
  push?: PushProvider;
}

/** A running notifications subgraph. */
export type NotificationsSubgraph = RunningSubgraph<
  Db,
  {
    consumer: EventConsumer;
    sender: WorkLoop;
    email: EmailTransport;
    sms: SmsProvider;
    push: PushProvider;
  }
>;

/**
 * Starts the event consumer and the sender (roles worker, all) and serves (every role: the
 * worker's HTTP server answers probes and metrics; no Service routes GraphQL to it).
 */
export async function startNotificationsSubgraph(
  config: NotificationsConfig,
  deps: NotificationsDeps,
): Promise<NotificationsSubgraph> {
  const { logger } = deps;
  const isWorker = config.NOTIFICATIONS_ROLE !== "api";
  return startSubgraph({
    name: "notifications",
    config,
    logger,
    migrationsDir: here("../prisma/migrations"),
    typeDefs,
    resolvers,
    createDb,
    // A consumer only: no outbox, no relay.
    producer: false,
    seed: seedNotificationsDatabase,
    setup: ({ db }) => {
      // The event machinery runs raw SQL through the same Prisma pool (the embedded server takes one connection).
      const sql = prismaDatabase(db);
      // SMTP_URL set: real email over SMTP; unset: recorded (development). SMS has no provider yet.
      const email =
        deps.email ??
        (config.SMTP_URL
          ? createSmtpEmailTransport({ url: config.SMTP_URL, logger })
          : createRecordingEmailTransport(logger));
      const sms = deps.sms ?? createRecordingSmsProvider(logger);
      // A service account configured (FCM_SERVICE_ACCOUNT_*): FCM HTTP v1; otherwise recorded (development).
      const push =
        deps.push ??
        (config.FCM ? createFcmPushProvider({ ...config.FCM, logger }) : createRecordingPushProvider(logger));
      if (config.NODE_ENV === "production" && !deps.email && !config.SMTP_URL)
        logger.warn("emails are recorded, not sent: set SMTP_URL");
      if (config.NODE_ENV === "production" && !deps.sms)
        logger.warn("SMS are recorded, not sent (development provider)");
      if (config.NODE_ENV === "production" && !deps.push && !config.FCM)
        logger.warn("pushes are recorded, not sent: set FCM_SERVICE_ACCOUNT_FILE");
      const sender = createDeliverySender({
        db,
        // Observed: a span and sent/failed counts per send (the unwrapped channels are returned for tests).
        email: observeChannel("EMAIL", email),
        sms: observeChannel("SMS", sms),
        push: observeChannel("PUSH", push),
        from: config.EMAIL_FROM,
        retry: { maxAttempts: config.DELIVERY_MAX_ATTEMPTS, baseMs: config.DELIVERY_RETRY_BASE_MS, maxMs: 60 * 60_000 },
        pollIntervalMs: config.EVENTS_POLL_MS,
        logger,
      });
      const announcer = createLiveAnnouncer(config);
      const handler = createNotificationsEventHandler({
        db,
        templates: { storefrontUrl: config.STOREFRONT_URL },
        onDeliveriesQueued: () => sender.wake(),
        onNotificationsCreated: announcer.announce,
      });
      const consumer = createEventConsumer(config, { sql, handler, logger });
      const inboxRoute = () =>
        createInboxRoute({
          db: sql,
          serviceToken: config.ACCEPTED_CREDENTIALS.service,
          logger,
          onStored: () => consumer.wake(),
        });
      let stopDeliveryMetrics = () => {};
      return {
        ...(deps.jwks ? { jwks: deps.jwks } : {}),
        createContext: (base) =>
          createNotificationsContext(base, db, { maxPushDevices: config.PUSH_MAX_DEVICES_PER_USER }),
        isReady: () => !isWorker || consumer.healthy,
        // Embedded mode only: the producers' relays push here; with Redis the stream carries events.
        ...(config.REDIS_URL ? {} : { routes: { "POST /events": inboxRoute() } }),
        start: async () => {
          if (isWorker) {
            await consumer.start();
            sender.start();
          }
          stopDeliveryMetrics = observeDeliveryStatuses(sql);
        },
        afterDrain: async () => {
          stopDeliveryMetrics();
          if (isWorker) {
            await consumer.stop();
            await sender.stop();
          }
          await announcer.close();
        },
        readyLog: { role: config.NOTIFICATIONS_ROLE, events: config.REDIS_URL ? "redis-streams" : "embedded-inbox" },
        handle: { consumer, sender, email, sms, push },
      };
    },
  });
}
