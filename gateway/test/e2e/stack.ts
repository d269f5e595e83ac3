import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, provisionDatabase, provisionRedis, testLogger, type TestDatabase } from "@shopgraph/testing";
import { startUsersSubgraph } from "@shopgraph/users-subgraph/src/app.ts";
import { loadUsersConfig } from "@shopgraph/users-subgraph/src/config.ts";
import { startProductsSubgraph } from "@shopgraph/products-subgraph/src/app.ts";
import { loadProductsConfig } from "@shopgraph/products-subgraph/src/config.ts";
import { startOrdersSubgraph } from "@shopgraph/orders-subgraph/src/app.ts";
import { loadOrdersConfig } from "@shopgraph/orders-subgraph/src/config.ts";
import { startNotificationsSubgraph } from "@shopgraph/notifications-subgraph/src/app.ts";
import { loadNotificationsConfig } from "@shopgraph/notifications-subgraph/src/config.ts";
import { startGateway } from "../../src/app.ts";
import type { GatewayDeps } from "../../src/server.ts";
import { loadGatewayConfig } from "../../src/config.ts";

/** The stack's gateway credential: every gateway it starts sends it, every subgraph accepts only it. */
export const E2E_GATEWAY_TOKEN = "e2e-gateway-token-0123456789abcdef0123";

const migrations = (name: string) =>
  fileURLToPath(new URL(`../../../subgraphs/${name}/prisma/migrations`, import.meta.url));

/** Options for {@link startStack}. */
export interface StackOptions {
  /** Extra gateway environment (limits, modes). */
  gatewayEnv?: Record<string, string>;
  /** Extra environment for every subgraph. */
  subgraphEnv?: Record<string, string>;
  /** Run as embedded mode does: no Redis (in-process caches, events pushed over HTTP). */
  withoutRedis?: boolean;
  /** Extra gateway dependencies (e.g. a fetcher wrapper counting subgraph calls). */
  gatewayDeps?: Partial<GatewayDeps>;
}

/** A running supergraph: four seeded subgraphs and the gateway, all on ephemeral ports. */
export type Stack = Awaited<ReturnType<typeof startStack>>;

/**
 * Starts the whole supergraph in this process, each server on port 0 over its own fresh
 * database and Redis key prefix, seeded with the demo data (users first: the others verify
 * tokens against its JWKS).
 */
export async function startStack(options: StackOptions = {}) {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn().catch(() => {});
  };
  try {
    const dataDir = await mkdtemp(join(tmpdir(), "sgt-stack-"));
    closers.push(() => rm(dataDir, { recursive: true, force: true }));
    const redis = options.withoutRedis
      ? { url: undefined, prefix: "", cleanup: async () => {} }
      : await provisionRedis();
    // The producers' relays need the notifications inbox address before notifications starts.
    const notificationsPort = String(await freePort());
    // Without Redis the subgraphs push live events to the gateway, so its address is needed up front too.
    // A caller's own gateway PORT (e.g. an OAuth issuer known before it listens) wins.
    const gatewayPort = options.gatewayEnv?.PORT ?? (options.withoutRedis ? String(await freePort()) : "0");
    closers.push(redis.cleanup);
    const [usersDb, productsDb, ordersDb, notificationsDb] = (await Promise.all(
      ["users", "products", "orders", "notifications"].map((name) => provisionDatabase(name, migrations(name))),
    )) as [TestDatabase, TestDatabase, TestDatabase, TestDatabase];
    for (const db of [usersDb, productsDb, ordersDb, notificationsDb]) closers.push(db.drop);
    const common = (db: TestDatabase) => ({
      NODE_ENV: "test",
      PORT: "0",
      SEED: "true",
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      DATABASE_POOL_MAX: String(db.poolMax),
      SERVICE_TOKEN: "e2e-service-token-0123456789abcdef0123",
      GATEWAY_TOKEN: E2E_GATEWAY_TOKEN,
      // Ephemeral metrics listeners: notifications has a fixed PORT, whose default metrics port (9404)
      // would collide between e2e files running in parallel.
      METRICS_PORT: "0",
      ...(redis.url ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix } : {}),
      // A generous Redis deadline: on a loaded test machine a 50 ms stall would turn a Redis-backed
      // assertion (APQ, shared limits, cache) into a fail-open miss. Fault tests set the default (50).
      REDIS_COMMAND_TIMEOUT_MS: "1000",
      ...options.subgraphEnv,
    });
    const envs = {
      users: common(usersDb),
      products: { ...common(productsDb) },
      orders: { ...common(ordersDb) },
      notifications: { ...common(notificationsDb), PORT: notificationsPort },
    };
    for (const env of [envs.users, envs.products, envs.orders])
      Object.assign(env, { EVENTS_PUSH_URLS: `http://127.0.0.1:${notificationsPort}/events` });
    if (options.withoutRedis)
      for (const env of Object.values(envs))
        Object.assign(env, { LIVE_EVENTS_URLS: `http://127.0.0.1:${gatewayPort}/internal/live-events` });
    const users = await startUsersSubgraph(loadUsersConfig(envs.users), { logger: testLogger("users") });
    closers.push(users.close);
    const JWKS_URL = `${users.url}/.well-known/jwks.json`;
    Object.assign(envs.products, { JWKS_URL });
    Object.assign(envs.orders, { JWKS_URL });
    Object.assign(envs.notifications, { JWKS_URL });
    const products = await startProductsSubgraph(loadProductsConfig(envs.products), { logger: testLogger("products") });
    closers.push(products.close);
    const [orders, notifications] = await Promise.all([
      startOrdersSubgraph(loadOrdersConfig(Object.assign(envs.orders, { PRODUCTS_URL: `${products.url}/graphql` })), {
        logger: testLogger("orders"),
      }),
      startNotificationsSubgraph(loadNotificationsConfig(envs.notifications), { logger: testLogger("notifications") }),
    ]);
    closers.push(orders.close, notifications.close);
    const gatewayEnv = {
      NODE_ENV: "test",
      PORT: "0",
      // Ephemeral metrics listener: a gateway on a fixed PORT (embedded mode, OAuth issuers) would take
      // the default 9400 and collide with another e2e file's gateway running in parallel.
      METRICS_PORT: "0",
      JWKS_URL,
      GATEWAY_TOKEN: E2E_GATEWAY_TOKEN,
      USERS_URL: `${users.url}/graphql`,
      PRODUCTS_URL: `${products.url}/graphql`,
      ORDERS_URL: `${orders.url}/graphql`,
      NOTIFICATIONS_URL: `${notifications.url}/graphql`,
      ...(redis.url ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: redis.prefix } : {}),
      REDIS_COMMAND_TIMEOUT_MS: "1000",
      // E2E_GATEWAY_ENGINE=shopgraph runs the suites on the gateway's own plan executor (#16 §1).
      ...(process.env.E2E_GATEWAY_ENGINE ? { GATEWAY_ENGINE: process.env.E2E_GATEWAY_ENGINE } : {}),
      ...options.gatewayEnv,
    };
    const startAnotherGateway = async (env: Record<string, string> = {}) => {
      const gw = await startGateway(loadGatewayConfig({ ...gatewayEnv, ...env }), {
        logger: testLogger("gateway"),
        ...options.gatewayDeps,
      });
      closers.push(gw.close);
      return { ...gw, graphqlUrl: `${gw.url}/graphql` };
    };
    const gateway = await startAnotherGateway({ PORT: gatewayPort });
    /** Starts the notifications subgraph again on the given port (after a test stopped it). */
    const restartNotifications = async (port: string) => {
      const again = await startNotificationsSubgraph(
        loadNotificationsConfig({ ...envs.notifications, PORT: port, SEED: "false" }),
        {
          logger: testLogger("notifications"),
        },
      );
      closers.push(again.close);
      return again;
    };
    return {
      redis,
      restartNotifications,
      /** For tests calling a subgraph directly (`gql(…, { credential: stack.gatewayToken })`). */
      gatewayToken: E2E_GATEWAY_TOKEN,
      startAnotherGateway,
      url: `${gateway.url}/graphql`,
      dataDir,
      /** For tests that must shape data no API writes (e.g. very large notifications). */
      databaseUrls: { notifications: notificationsDb.url },
      gateway,
      users,
      products,
      orders,
      notifications,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
