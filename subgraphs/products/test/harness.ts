import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seedAdmin, seedCustomer } from "@shopgraph/fixtures";
import {
  createTestIssuer,
  gql,
  provisionDatabase,
  provisionRedis,
  testLogger,
  type GqlOptions,
  type TestDatabase,
  type TestRedis,
} from "@shopgraph/testing";
import { startProductsSubgraph, type ProductsDeps } from "../src/app.ts";
import { loadProductsConfig } from "../src/config.ts";

/** Migrations of the products subgraph (tests migrate with the project's own runner). */
export const PRODUCTS_MIGRATIONS = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** What several instances of the subgraph can share: one database, one Redis prefix, one issuer. */
export interface ProductsWorld {
  database: TestDatabase;
  redis: TestRedis;
  issuer: Awaited<ReturnType<typeof createTestIssuer>>;
  serviceToken: string;
  tokens: { admin: string; customer: string };
  close(): Promise<void>;
}

const ISSUER = { issuer: "https://shopgraph.dev/users", audience: "shopgraph" };

/** A fresh migrated database, a Redis key prefix, a token issuer and the service credential. */
export async function provisionProductsWorld(): Promise<ProductsWorld> {
  const [database, redis, issuer] = await Promise.all([
    provisionDatabase("products", PRODUCTS_MIGRATIONS),
    provisionRedis(),
    createTestIssuer(ISSUER),
  ]);
  const tokens = {
    admin: await issuer.sign({ sub: seedAdmin.id, role: "ADMIN" }),
    customer: await issuer.sign({ sub: seedCustomer.id, role: "CUSTOMER" }),
  };
  return {
    database,
    redis,
    issuer,
    tokens,
    serviceToken: randomBytes(24).toString("hex"),
    async close() {
      await redis.cleanup();
      await database.drop();
    },
  };
}

/** Starts one products subgraph over the world's database and Redis on an ephemeral port (seeded). */
export async function startTestProducts(
  world: ProductsWorld,
  env: Record<string, string | undefined> = {},
  deps: Omit<ProductsDeps, "logger"> = {},
) {
  const dataDir = await mkdtemp(join(tmpdir(), "sgt-products-"));
  const raw: Record<string, string | undefined> = {
    NODE_ENV: "test",
    PORT: "0",
    DATABASE_URL: world.database.url,
    DATABASE_POOL_MAX: String(world.database.poolMax),
    DATA_DIR: dataDir,
    SEED: "true",
    ...(world.redis.url ? { REDIS_URL: world.redis.url } : {}),
    REDIS_KEY_PREFIX: world.redis.prefix,
    SERVICE_TOKEN: world.serviceToken,
    // A generous Redis deadline: on a loaded test machine a 50 ms stall would turn a cache assertion
    // into a fail-open miss. The fault tests (cache.faults.test.ts) keep the production default.
    REDIS_COMMAND_TIMEOUT_MS: "1000",
    // The sweep is exercised by calling it; a long interval keeps it from racing the assertions.
    RESERVATION_SWEEP_INTERVAL_SECONDS: "3600",
    ...env,
  };
  // An override of undefined removes the variable (e.g. an instance without SERVICE_TOKEN).
  const config = loadProductsConfig(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  const subgraph = await startProductsSubgraph(config, {
    logger: testLogger("products"),
    jwks: world.issuer.jwks,
    ...deps,
  });
  const graphqlUrl = `${subgraph.url}/graphql`;
  return {
    ...subgraph,
    graphqlUrl,
    config,
    /** POSTs an operation to this instance. */
    query: (query: string, options: GqlOptions = {}) => gql(graphqlUrl, query, options),
    async close() {
      await subgraph.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A started test instance. */
export type TestProducts = Awaited<ReturnType<typeof startTestProducts>>;

/** Selection of a product used across the tests. */
export const PRODUCT_FIELDS =
  "id slug title description price { amount currencyCode } category { id slug name } quantityAvailable inStock archived createdAt updatedAt";
