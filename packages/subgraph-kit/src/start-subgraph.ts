import { createAccessTokenVerifier, startRevocations } from "@shopgraph/auth";
import type { RevocationSettings, RunningRevocations, StartRevocationsOptions, VerifierOptions } from "@shopgraph/auth";
import type { PrismaLike } from "@shopgraph/events";
import type { RouteHandler, RunningService } from "@shopgraph/http";
import type { Logger } from "@shopgraph/logger";
import { openDatabase, type OpenDatabase } from "./database.ts";
import { startProducerRelay, traceOutboxWrites, type RelayConfig } from "./outbox.ts";
import {
  createSubgraphServer,
  subgraphHttpOptions,
  type BaseSubgraphContext,
  type ResolverMap,
} from "./subgraph-server.ts";
import { subgraphLimits } from "./subgraph-limits.ts";

/** A subgraph's Prisma client as the kit uses it: readiness, the outbox relay, trace stamping, disconnect. */
export interface SubgraphDb extends PrismaLike {
  $disconnect(): Promise<void>;
  $extends(extension: unknown): unknown;
}

/** The config fields startSubgraph reads; every subgraph's validated config has them. */
export type StartSubgraphConfig = RevocationSettings &
  RelayConfig &
  Parameters<typeof subgraphLimits>[0] &
  Parameters<typeof subgraphHttpOptions>[0] & {
    NODE_ENV: string;
    PORT: number;
    HOST: string;
    DATABASE_URL?: string | undefined;
    DATA_DIR: string;
    DATABASE_POOL_MAX: number;
    MIGRATE_ON_START: boolean;
    SEED: boolean;
    JWT_ISSUER: string;
    JWT_AUDIENCE: string;
    OAUTH_ISSUER?: string | undefined;
    JWT_CLOCK_TOLERANCE_SECONDS: number;
    ACCEPTED_CREDENTIALS: Parameters<typeof createSubgraphServer>[0]["credentials"];
    SHUTDOWN_GRACE_MS: number;
    SHUTDOWN_DRAIN_DELAY_MS: number;
  };

/** What the kit has opened when it asks the subgraph for its own part. */
export interface SubgraphFoundation<TDb> {
  db: TDb;
  database: OpenDatabase;
  revocations: RunningRevocations;
}

/** A subgraph's own part of the process, built by {@link StartSubgraphOptions.setup}. */
export interface SubgraphParts<C extends BaseSubgraphContext, TOwn extends object> {
  createContext: (base: BaseSubgraphContext) => C;
  /** Verify with this key set instead of JWKS_URL (users: its own keys; tests: a local issuer). */
  jwks?: VerifierOptions["jwks"];
  /** Readiness beyond the database answering `SELECT 1` (notifications' worker: the consumer is healthy). */
  isReady?: () => boolean;
  /** Routes besides /graphql, /healthz and /readyz. */
  routes?: Record<string, RouteHandler>;
  /** Handlers for every path under a prefix (users: the OAuth authorization server under /oauth/). */
  prefixRoutes?: Record<string, RouteHandler>;
  /** Starts background work once the server is built, before it listens (consumers, senders, sweeps). */
  start?: () => void | Promise<void>;
  /** Runs once the server listens (orders: the first recovery pass). */
  afterListen?: () => void;
  /** First step of close: stop timers, so no new background work starts during the drain. */
  beforeDrain?: () => void;
  /** After the HTTP drain and the relay: stop workers and close the subgraph's own clients (Redis …). */
  afterDrain?: () => void | Promise<void>;
  /** Fields added to the "ready" log line. */
  readyLog?: Record<string, unknown>;
  /** The subgraph's own fields on the returned handle (services for tests, the consumer …). */
  handle: TOwn;
}

/** Options for {@link startSubgraph}: everything in which the four subgraphs differ. */
export interface StartSubgraphOptions<TDb extends SubgraphDb, C extends BaseSubgraphContext, TOwn extends object> {
  name: string;
  config: StartSubgraphConfig;
  logger: Logger;
  /** The subgraph's `prisma/migrations` folder. */
  migrationsDir: string;
  typeDefs: string;
  resolvers: ResolverMap;
  /** Creates the subgraph's Prisma client over the opened database. */
  createDb: (url: string, poolMax: number) => TDb;
  /** Producers write an outbox: rows are stamped with the trace context and a relay publishes them. */
  producer: boolean;
  /** Seeds the database when config.SEED (development). */
  seed?: (db: TDb, logger: Logger) => Promise<unknown>;
  /** How the process takes part in revocations; default a reader (users publishes). */
  revocations?: Omit<StartRevocationsOptions, "logger">;
  /** Builds the subgraph's own part once the database and the revocation list are up. */
  setup: (foundation: SubgraphFoundation<TDb>) => SubgraphParts<C, TOwn> | Promise<SubgraphParts<C, TOwn>>;
}

/** A started subgraph: the common handle, its Prisma client, and what its setup added. */
export type RunningSubgraph<TDb, TOwn> = RunningService & { db: TDb } & TOwn;

/**
 * Starts a subgraph process the one way they all start: database (embedded or configured) and
 * migrations → Prisma client → seed → revocation list → the subgraph's own part → server →
 * outbox relay → listen. Close reverses it in the house order: stop timers → drain HTTP (stop
 * accepting, finish in-flight requests) → stop the relay → the subgraph's workers and clients →
 * revocations → Prisma → the embedded database. The entry point flushes telemetry last
 * (flushTelemetryOnClose), as the gateway's does.
 */
export async function startSubgraph<TDb extends SubgraphDb, C extends BaseSubgraphContext, TOwn extends object>(
  options: StartSubgraphOptions<TDb, C, TOwn>,
): Promise<RunningSubgraph<TDb, TOwn>> {
  const { config, logger, name } = options;
  const database = await openDatabase({
    service: name,
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    migrationsDir: options.migrationsDir,
    logger,
    poolMax: config.DATABASE_POOL_MAX,
    migrate: config.MIGRATE_ON_START,
  });
  const client = options.createDb(database.url, database.poolMax);
  // Outbox rows written by the domain carry the request's trace context to the consumers.
  const db = options.producer ? traceOutboxWrites(client) : client;
  if (config.SEED && options.seed) await options.seed(db, logger);
  // Revocations (logout, password/role change) arrive from Redis, or from the users feed without it.
  const revocations = await startRevocations(config, { role: "reader", ...options.revocations, logger });
  const parts = await options.setup({ db, database, revocations });
  const { http } = await createSubgraphServer({
    name,
    typeDefs: options.typeDefs,
    resolvers: options.resolvers,
    logger,
    verifyAccessToken: createAccessTokenVerifier({
      ...(parts.jwks ? { jwks: parts.jwks } : { jwksUrl: config.JWKS_URL }),
      issuer: config.JWT_ISSUER,
      appIssuer: config.OAUTH_ISSUER,
      audience: config.JWT_AUDIENCE,
      clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
      revocations,
    }),
    credentials: config.ACCEPTED_CREDENTIALS,
    limits: subgraphLimits(config),
    createContext: parts.createContext,
    production: config.NODE_ENV === "production",
    http: subgraphHttpOptions(config),
    isReady: async () => (await db.$queryRawUnsafe("SELECT 1"), parts.isReady?.() ?? true),
    ...(parts.routes ? { routes: parts.routes } : {}),
    ...(parts.prefixRoutes ? { prefixRoutes: parts.prefixRoutes } : {}),
  });
  await parts.start?.();
  const relay = options.producer ? startProducerRelay(name, db, config, logger, database) : undefined;
  const { url, metricsUrl } = await http.listen(config.PORT, config.HOST);
  logger.info(
    { url: `${url}/graphql`, embeddedDatabase: database.embedded, ...parts.readyLog },
    `${name} subgraph ready`,
  );
  parts.afterListen?.();
  const handle: RunningService & { db: TDb } = {
    url,
    metricsUrl,
    db,
    async close() {
      parts.beforeDrain?.();
      await http.close(config.SHUTDOWN_GRACE_MS, config.SHUTDOWN_DRAIN_DELAY_MS);
      await relay?.close();
      await parts.afterDrain?.();
      await revocations.stop();
      await db.$disconnect();
      await database.close();
    },
  };
  return Object.assign(parts.handle, handle);
}
