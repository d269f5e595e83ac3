import { fileURLToPath } from "node:url";
import { seedAdmin, seedCustomer, seedProducts, seedUsers } from "@shopgraph/fixtures";
import { createTestIssuer, gql, provisionDatabase, testLogger, type GqlResponse } from "@shopgraph/testing";
import { startOrdersSubgraph, type OrdersDeps } from "../src/app.ts";
import { loadOrdersConfig } from "../src/config.ts";
import { createFakeProducts, type FakeProduct, type FakeProducts } from "./fake-products.ts";

/** Migrations of the orders subgraph (tests migrate with the project's own runner). */
export const ORDERS_MIGRATIONS = fileURLToPath(new URL("../prisma/migrations", import.meta.url));

/** The fixtures' catalog as the fake products service holds it. */
export const seedCatalog = (): FakeProduct[] =>
  seedProducts.map((p) => ({
    id: p.id,
    title: p.title,
    priceMinor: p.priceMinor,
    currencyCode: p.currencyCode,
    archived: p.archived,
    stock: p.stock,
  }));

/** Options for {@link startTestOrders}. */
export interface TestOrdersOptions {
  env?: Record<string, string>;
  /** Catalog of the fake products service; default: the fixtures' catalog. */
  catalog?: FakeProduct[];
  deps?: Omit<OrdersDeps, "jwks" | "products" | "logger">;
  seed?: boolean;
}

/** Starts an orders subgraph on an ephemeral port over its own fresh database and a fake products service. */
export async function startTestOrders(options: TestOrdersOptions = {}) {
  const database = await provisionDatabase("orders", ORDERS_MIGRATIONS);
  const config = loadOrdersConfig({
    NODE_ENV: "test",
    PORT: "0",
    DATABASE_URL: database.url,
    DATABASE_POOL_MAX: String(database.poolMax),
    SEED: options.seed === false ? "false" : "true",
    RECOVERY_INTERVAL_MS: "0",
    // Events stay in this test's outbox: pushed to the discard port, never to a notifications
    // process another test or stack may run on the default 4004.
    EVENTS_PUSH_URLS: "http://127.0.0.1:9/events",
    ...options.env,
  });
  const issuer = await createTestIssuer({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  const products: FakeProducts = createFakeProducts(options.catalog ?? seedCatalog());
  const subgraph = await startOrdersSubgraph(config, {
    logger: testLogger("orders"),
    ...options.deps,
    jwks: issuer.jwks,
    products: products.client,
  });
  const graphqlUrl = `${subgraph.url}/graphql`;
  return {
    ...subgraph,
    graphqlUrl,
    config,
    issuer,
    products,
    /** Access tokens: the seeded admin and customer, or any user id. */
    tokens: {
      admin: () => issuer.sign({ sub: seedAdmin.id, role: "ADMIN" }),
      customer: (id = seedCustomer.id) => issuer.sign({ sub: id, role: "CUSTOMER" }),
    },
    /** POSTs an operation, optionally as a signed-in user. */
    query: (query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResponse> =>
      gql(graphqlUrl, query, { ...(variables ? { variables } : {}), ...(token ? { token } : {}) }),
    async close() {
      await subgraph.close();
      await database.drop();
    },
  };
}

/** A started test subgraph. */
export type TestOrders = Awaited<ReturnType<typeof startTestOrders>>;

/** The second seeded customer (has orders of their own). */
export const otherCustomer = seedUsers.find((u) => u.email === "customer2@shopgraph.dev")!;

/** Non-archived fixture products with plenty of stock, for orders that should succeed. */
export const buyableProducts = seedProducts.filter((p) => !p.archived && p.stock >= 200);
