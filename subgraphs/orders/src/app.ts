import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createAccessTokenVerifier, startRevocations, type VerifierOptions } from "@shopgraph/auth";
import type { Logger } from "@shopgraph/logger";
import { createSubgraphServer, subgraphHttpOptions, subgraphLimits, openDatabase, startProducerRelay, traceOutboxWrites } from "@shopgraph/subgraph-kit";
import { createProductsHttpClient } from "./clients/products-http-client.ts";
import type { OrdersConfig } from "./config.ts";
import { createOrdersContext } from "./context.ts";
import { createDb, type Db } from "./db/client.ts";
import type { CheckoutDeps, SagaHooks } from "./domain/checkout-deps.ts";
import type { ProductsClient } from "./domain/products-client.ts";
import { recoverStuckOrders, type RecoveryOptions, type RecoveryReport } from "./domain/recovery.ts";
import { createDbProviderLedger } from "./payments/provider-ledger.ts";
import { createSimulatedPaymentProvider, type FaultPlan } from "./payments/simulated-provider.ts";
import { permissions } from "./permissions.ts";
import { resolvers } from "./resolvers/index.ts";
import { seedOrdersDatabase } from "./seed.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const typeDefs = readFileSync(here("./schema.graphql"), "utf8");

/** Replaceable collaborators (tests); production leaves them all unset. */
export interface OrdersDeps {
  /** Verify access tokens with this key set instead of fetching JWKS_URL. */
  jwks?: VerifierOptions["jwks"];
  /** The products service; default: HTTP to PRODUCTS_URL with the service token. */
  products?: ProductsClient;
  /** Scripted failures of the simulated payment provider. */
  paymentFaults?: FaultPlan;
  /** Crash points inside the checkout saga. */
  hooks?: SagaHooks;
  /** Sees every SQL statement (statement-count tests). */
  onQuery?: (sql: string) => void;
}

/** A running orders subgraph. */
export interface OrdersSubgraph {
  url: string;
  /** The metrics listener (GET /metrics), never on the public port. */
  metricsUrl: string | undefined;
  db: Db;
  checkout: CheckoutDeps;
  /** Runs one recovery sweep now (the interval runs it too); age defaults to RECOVERY_AGE_MS. */
  recover(options?: Partial<RecoveryOptions>): Promise<RecoveryReport>;
  close(): Promise<void>;
}

/** Opens the database, seeds if asked, starts serving and the recovery sweep. */
export async function startOrdersSubgraph(config: OrdersConfig, logger: Logger, deps: OrdersDeps = {}): Promise<OrdersSubgraph> {
  const database = await openDatabase({ service: "orders", databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, migrationsDir: here("../prisma/migrations"), logger, poolMax: config.DATABASE_POOL_MAX, migrate: config.MIGRATE_ON_START });
  // Outbox rows written by the domain carry the request's trace context to the consumers.
  const db = traceOutboxWrites(createDb(database.url, database.poolMax, deps.onQuery ? { onQuery: deps.onQuery } : {}));
  if (config.SEED) await seedOrdersDatabase(db, logger);

  const checkout: CheckoutDeps = {
    db,
    logger,
    idempotencyWaitMs: config.IDEMPOTENCY_WAIT_MS,
    products: deps.products ?? createProductsHttpClient({ url: config.PRODUCTS_URL, serviceToken: config.SERVICE_TOKEN, timeoutMs: config.PRODUCTS_TIMEOUT_MS }),
    payments: createSimulatedPaymentProvider({
      ledger: createDbProviderLedger(db),
      latencyMs: config.PAYMENT_LATENCY_MS,
      failureRate: config.PAYMENT_FAILURE_RATE,
      timeoutMs: config.PAYMENT_TIMEOUT_MS,
      ...(deps.paymentFaults ? { faults: deps.paymentFaults } : {}),
    }),
    ...(deps.hooks ? { hooks: deps.hooks } : {}),
  };

  // Revocations (logout, password/role change) arrive from Redis, or from the users feed without it.
  const revocations = await startRevocations(config, { role: "reader", logger });
  const { http } = await createSubgraphServer({
    name: "orders",
    typeDefs,
    resolvers,
    permissions,
    logger,
    verifyAccessToken: createAccessTokenVerifier({ ...(deps.jwks ? { jwks: deps.jwks } : { jwksUrl: config.JWKS_URL }), issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, clockToleranceSeconds: config.JWT_CLOCK_TOLERANCE_SECONDS, revocations }),
    credentials: config.ACCEPTED_CREDENTIALS,
    limits: subgraphLimits(config),
    createContext: (base) => createOrdersContext(base, checkout),
    production: config.NODE_ENV === "production",
    http: subgraphHttpOptions(config),
    isReady: async () => (await db.$queryRaw`SELECT 1`, true),
  });

  const recover = (options: Partial<RecoveryOptions> = {}) => recoverStuckOrders(checkout, { olderThanMs: config.RECOVERY_AGE_MS, ...options });
  // One sweep at a time per process; several processes are safe (claims are compare-and-set).
  let sweeping: Promise<unknown> | undefined;
  const sweep = () => {
    sweeping ??= recover()
      .catch((err: unknown) => logger.error({ err }, "recovery sweep failed"))
      .finally(() => (sweeping = undefined));
  };
  const timer = config.RECOVERY_INTERVAL_MS > 0 ? setInterval(sweep, config.RECOVERY_INTERVAL_MS) : undefined;
  timer?.unref();

  const relay = startProducerRelay("orders", db, config, logger);
  const { url, metricsUrl } = await http.listen(config.PORT, config.HOST);
  logger.info({ url: `${url}/graphql`, embeddedDatabase: database.embedded, productsUrl: config.PRODUCTS_URL }, "orders subgraph ready");
  // First pass right away: after a crash, sagas the old process left behind are settled now, not one interval later.
  if (timer) sweep();
  return {
    url,
    metricsUrl,
    db,
    checkout,
    recover,
    async close() {
      clearInterval(timer);
      await http.close(config.SHUTDOWN_GRACE_MS, config.SHUTDOWN_DRAIN_DELAY_MS);
      await relay.close();
      await sweeping;
      await revocations.stop();
      await db.$disconnect();
      await database.close();
    },
  };
}
