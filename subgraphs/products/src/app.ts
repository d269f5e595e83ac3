import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { VerifierOptions } from "@shopgraph/auth";
import { createRedis, waitForRedis, type Redis } from "@shopgraph/kv";
import type { Logger } from "@shopgraph/logger";
import { startSubgraph, type RunningSubgraph } from "@shopgraph/subgraph-kit";
import { createCatalogCaches } from "./cache/catalog-caches.ts";
import { createDisabledEntityCache, createMemoryEntityCache, createRedisEntityCache } from "./cache/entity-cache.ts";
import type { ProductsConfig } from "./config.ts";
import { createProductsContext, type ProductsServices } from "./context.ts";
import { createDb, type Db, type QueryEvent } from "./db/client.ts";
import { sweepExpiredReservations } from "./domain/reservations.ts";
import { resolvers } from "./resolvers/index.ts";
import { seedProductsDatabase } from "./seed.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const typeDefs = readFileSync(here("./schema.graphql"), "utf8");

/** What the products subgraph is started with besides its config; tests add a JWKS and a statement listener. */
export interface ProductsDeps {
  logger: Logger;
  /** Verify with this key set instead of fetching JWKS_URL. */
  jwks?: VerifierOptions["jwks"];
  /** Sees every SQL statement (statement-count tests). */
  onQuery?: (event: QueryEvent) => void;
}

/** A running products subgraph. */
export type ProductsSubgraph = RunningSubgraph<Db, { services: ProductsServices }>;

/** Opens the cache, starts the reservation sweep, and serves the products subgraph. */
export async function startProductsSubgraph(config: ProductsConfig, deps: ProductsDeps): Promise<ProductsSubgraph> {
  const { logger } = deps;
  return startSubgraph({
    name: "products",
    config,
    logger,
    migrationsDir: here("../prisma/migrations"),
    typeDefs,
    resolvers,
    createDb: (url, poolMax) => createDb(url, poolMax, deps.onQuery),
    producer: true,
    seed: seedProductsDatabase,
    setup: async ({ db }) => {
      let redis: Redis | undefined;
      if (config.REDIS_URL) {
        redis = createRedis(config.REDIS_URL, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
        redis.on("error", (error: Error) => logger.warn({ err: error }, "redis connection error"));
        // A moment for Redis before serving, so the first reads are cached; never more (the cache fails open).
        await waitForRedis(redis);
      }
      // Without Redis (embedded mode) each instance caches in-process: correct only for a single instance.
      const cache = !config.CACHE_ENABLED
        ? createDisabledEntityCache()
        : redis
          ? createRedisEntityCache(redis, `${config.REDIS_KEY_PREFIX}products:`, {
              timeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
              logger,
            })
          : createMemoryEntityCache();
      const services: ProductsServices = {
        db,
        caches: createCatalogCaches(cache, db, config.CACHE_TTL_SECONDS, logger),
        lowStockThreshold: config.LOW_STOCK_THRESHOLD,
        reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
      };
      let sweep: NodeJS.Timeout | undefined;
      return {
        ...(deps.jwks ? { jwks: deps.jwks } : {}),
        createContext: (base) => createProductsContext(base, services),
        // Readiness leaves Redis out on purpose: the cache fails open, so an outage slows reads down
        // but must not take every instance out of the load balancer at once.
        start: () => {
          // Expired reservations already stop counting against stock; the sweep makes their status say so.
          sweep = setInterval(() => {
            sweepExpiredReservations(db)
              .then((released) => released > 0 && logger.info({ released }, "released expired stock reservations"))
              .catch((error: unknown) => logger.error({ err: error }, "reservation sweep failed"));
          }, config.RESERVATION_SWEEP_INTERVAL_SECONDS * 1000);
          sweep.unref();
        },
        beforeDrain: () => clearInterval(sweep),
        afterDrain: async () => {
          await redis?.quit().catch(() => redis?.disconnect());
        },
        readyLog: { cache: !config.CACHE_ENABLED ? "off" : redis ? "redis" : "memory" },
        handle: { services },
      };
    },
  });
}
