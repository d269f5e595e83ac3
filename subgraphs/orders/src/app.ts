import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { VerifierOptions } from "@shopgraph/auth";
import type { Logger } from "@shopgraph/logger";
import { startSubgraph, type RunningSubgraph } from "@shopgraph/subgraph-kit";
import { createProductsHttpClient } from "./clients/products-http-client.ts";
import type { OrdersConfig } from "./config.ts";
import { createOrdersContext } from "./context.ts";
import { createDb, type Db } from "./db/client.ts";
import type { CheckoutDeps, SagaHooks } from "./domain/checkout-deps.ts";
import type { ProductsClient } from "./domain/products-client.ts";
import { recoverStuckOrders, type RecoveryOptions, type RecoveryReport } from "./domain/recovery.ts";
import { createDbProviderLedger } from "./payments/provider-ledger.ts";
import { createSimulatedPaymentProvider, type FaultPlan } from "./payments/simulated-provider.ts";
import { resolvers } from "./resolvers/index.ts";
import { seedOrdersDatabase } from "./seed.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const typeDefs = readFileSync(here("./schema.graphql"), "utf8");

/** What the orders subgraph is started with besides its config; tests replace collaborators, production none. */
export interface OrdersDeps {
  logger: Logger;
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
export type OrdersSubgraph = RunningSubgraph<
  Db,
  {
    checkout: CheckoutDeps;
    /** Runs one recovery sweep now (the interval runs it too); age defaults to RECOVERY_AGE_MS. */
    recover(options?: Partial<RecoveryOptions>): Promise<RecoveryReport>;
  }
>;

/** Serves the orders subgraph and runs the recovery sweep (a first pass as soon as it listens). */
export async function startOrdersSubgraph(config: OrdersConfig, deps: OrdersDeps): Promise<OrdersSubgraph> {
  const { logger } = deps;
  return startSubgraph({
    name: "orders",
    config,
    logger,
    migrationsDir: here("../prisma/migrations"),
    typeDefs,
    resolvers,
    createDb: (url, poolMax) => createDb(url, poolMax, deps.onQuery ? { onQuery: deps.onQuery } : {}),
    producer: true,
    seed: seedOrdersDatabase,
    setup: ({ db }) => {
      const checkout: CheckoutDeps = {
        db,
        logger,
        idempotencyWaitMs: config.IDEMPOTENCY_WAIT_MS,
        products:
          deps.products ??
          createProductsHttpClient({
            url: config.PRODUCTS_URL,
            serviceToken: config.SERVICE_TOKEN,
            timeoutMs: config.PRODUCTS_TIMEOUT_MS,
          }),
        payments: createSimulatedPaymentProvider({
          ledger: createDbProviderLedger(db),
          latencyMs: config.PAYMENT_LATENCY_MS,
          failureRate: config.PAYMENT_FAILURE_RATE,
          timeoutMs: config.PAYMENT_TIMEOUT_MS,
          ...(deps.paymentFaults ? { faults: deps.paymentFaults } : {}),
        }),
        ...(deps.hooks ? { hooks: deps.hooks } : {}),
      };
      const recover = (options: Partial<RecoveryOptions> = {}) =>
        recoverStuckOrders(checkout, { olderThanMs: config.RECOVERY_AGE_MS, ...options });
      // One sweep at a time per process; several processes are safe (claims are compare-and-set).
      let sweeping: Promise<unknown> | undefined;
      const sweep = () => {
        sweeping ??= recover()
          .catch((err: unknown) => logger.error({ err }, "recovery sweep failed"))
          .finally(() => (sweeping = undefined));
      };
      let timer: NodeJS.Timeout | undefined;
      return {
        ...(deps.jwks ? { jwks: deps.jwks } : {}),
        createContext: (base) => createOrdersContext(base, checkout),
        start: () => {
          timer = config.RECOVERY_INTERVAL_MS > 0 ? setInterval(sweep, config.RECOVERY_INTERVAL_MS) : undefined;
          timer?.unref();
        },
        // First pass right away: after a crash, sagas the old process left behind are settled now, not one interval later.
        afterListen: () => {
          if (timer) sweep();
        },
        beforeDrain: () => clearInterval(timer),
        afterDrain: async () => {
          await sweeping;
        },
        readyLog: { productsUrl: config.PRODUCTS_URL },
        handle: { checkout, recover },
      };
    },
  });
}
