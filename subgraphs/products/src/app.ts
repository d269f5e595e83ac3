import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createAccessTokenVerifier, startRevocations, type VerifierOptions } from "@shopgraph/auth";
import { createRedis, waitForRedis, type Redis } from "@shopgraph/kv";
import type { Logger } from "@shopgraph/logger";
import { createSubgraphServer, subgraphHttpOptions, subgraphLimits, openDatabase, startProducerRelay, traceOutboxWrites } from "@shopgraph/subgraph-kit";
import { createCatalogCaches } from "./cache/catalog-caches.ts";
import { createDisabledEntityCache, createMemoryEntityCache, createRedisEntityCache } from "./cache/entity-cache.ts";
import type { ProductsConfig } from "./config.ts";
import { createProductsContext, type ProductsServices } from "./context.ts";
import { createDb, type Db, type QueryEvent } from "./db/client.ts";
import { sweepExpiredReservations } from "./domain/reservations.ts";
import { permissions } from "./permissions.ts";
import { resolvers } from "./resolvers/index.ts";
import { seedProductsDatabase } from "./seed.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const typeDefs = readFileSync(here("./schema.graphql"), "utf8");

/** Overrides for tests: an in-memory JWKS instead of JWKS_URL, and a statement listener. */
export interface ProductsDeps {
  jwks?: VerifierOptions["jwks"];
  onQuery?: (event: QueryEvent) => void;
}

/** A running products subgraph. */
export interface ProductsSubgraph {
  url: string;
  /** The metrics listener (GET /metrics), never on the public port. */
  metricsUrl: string | undefined;
  db: Db;
  services: ProductsServices;
  close(): Promise<void>;
}

/** Opens the database and cache, seeds if asked, starts the reservation sweep, and serves. */
export async function startProductsSubgraph(config: ProductsConfig, logger: Logger, deps: ProductsDeps = {}): Promise<ProductsSubgraph> {
  const database = await openDatabase({ service: "products", databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, migrationsDir: here("../prisma/migrations"), logger, poolMax: config.DATABASE_POOL_MAX, migrate: config.MIGRATE_ON_START });
  // Outbox rows written by the domain carry the request's trace context to the consumers.
  const db = traceOutboxWrites(createDb(database.url, database.poolMax, deps.onQuery));
  let redis: Redis | undefined;
  if (config.REDIS_URL) {
    redis = createRedis(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
    redis.on("error", (error: Error) => logger.warn({ err: error }, "redis connection error"));
    // A moment for Redis before serving, so the first reads are cached; never more (the cache fails open).
    await waitForRedis(redis);
  }
  // Without Redis (embedded mode) each instance caches in-process: correct only for a single instance.
  const cache = !config.CACHE_ENABLED ? createDisabledEntityCache() : redis ? createRedisEntityCache(redis, `${config.REDIS_KEY_PREFIX}products:`, { timeoutMs: config.REDIS_COMMAND_TIMEOUT_MS, logger }) : createMemoryEntityCache();
  if (config.SEED) await seedProductsDatabase(db, logger);
  const services: ProductsServices = {
    db,
    caches: createCatalogCaches(cache, db, config.CACHE_TTL_SECONDS, logger),
    lowStockThreshold: config.LOW_STOCK_THRESHOLD,
    reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
  };
  // Revocations (logout, password/role change) arrive from Redis, or from the users feed without it.
  const revocations = await startRevocations(config, { role: "reader", logger });
  const { http } = await createSubgraphServer({
    name: "products",
    typeDefs,
    resolvers,
    permissions,
    logger,
    verifyAccessToken: createAccessTokenVerifier({
      ...(deps.jwks ? { jwks: deps.jwks } : { jwksUrl: config.JWKS_URL }),
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS,
      revocations,
    }),
    credentials: config.ACCEPTED_CREDENTIALS,
    limits: subgraphLimits(config),
    createContext: (base) => createProductsContext(base, services),
    production: config.NODE_ENV === "production",
    http: subgraphHttpOptions(config),
    // Redis is left out on purpose: the cache fails open, so an outage slows reads down but must
    // not take every instance out of the load balancer at once.
    isReady: async () => (await db.$queryRaw`SELECT 1`, true),
  });
  // Expired reservations already stop counting against stock; the sweep makes their status say so.
  const sweep = setInterval(() => {
    sweepExpiredReservations(db)
      .then((released) => released > 0 && logger.info({ released }, "released expired stock reservations"))
      .catch((error: unknown) => logger.error({ err: error }, "reservation sweep failed"));
  }, config.RESERVATION_SWEEP_INTERVAL_SECONDS * 1000);
  sweep.unref();
  const relay = startProducerRelay("products", db, config, logger);
  const { url, metricsUrl } = await http.listen(config.PORT, config.HOST);
  logger.info({ url: `${url}/graphql`, embeddedDatabase: database.embedded, cache: !config.CACHE_ENABLED ? "off" : redis ? "redis" : "memory" }, "products subgraph ready");
  return {
    url,
    metricsUrl,
    db,
    services,
    async close() {
      clearInterval(sweep);
      await http.close(config.SHUTDOWN_GRACE_MS, config.SHUTDOWN_DRAIN_DELAY_MS);
      await relay.close();
      await redis?.quit().catch(() => redis?.disconnect());
      await revocations.stop();
      await db.$disconnect();
      await database.close();
    },
  };
}
