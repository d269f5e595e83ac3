import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer } from "@shopgraph/fixtures";
import { createErrorFormatter, isOutageError } from "@shopgraph/errors";
import { createRedis, waitForRedis } from "@shopgraph/kv";
import { createLogger } from "@shopgraph/logger";
import { gql, provisionDatabase, startPrivatePostgres, startPrivateRedis, testLogger } from "@shopgraph/testing";
import type { PrivatePostgres, TestDatabase } from "@shopgraph/testing";
import { startProductsSubgraph } from "@shopgraph/products-subgraph/src/app.ts";
import { loadProductsConfig } from "@shopgraph/products-subgraph/src/config.ts";
import { startUsersSubgraph } from "@shopgraph/users-subgraph/src/app.ts";
import { loadUsersConfig } from "@shopgraph/users-subgraph/src/config.ts";
import { startGateway } from "../../src/app.ts";
import { loadGatewayConfig } from "../../src/config.ts";
import { startStack, type Stack } from "./stack.ts";

// Issue #12 fault 6: errors that say what happened. A real PostgreSQL (a private one this file
// stops) goes away under the products subgraph; a subgraph process goes away under the gateway.

const migrations = (name: string) =>
  fileURLToPath(new URL(`../../../subgraphs/${name}/prisma/migrations`, import.meta.url));
const TOKEN = "outage-gateway-token-0123456789abcdef0123";
const LOGIN = `mutation { login(input: { email: "${seedCustomer.email}", password: "${DEMO_PASSWORDS.customer}" }) { session { accessToken } } }`;
const OUTAGE = { code: "SERVICE_UNAVAILABLE", retryable: true };
const UNREACHABLE = { code: "SUBGRAPH_UNAVAILABLE", retryable: true };
// Unique arguments, so no cache can answer in place of the database.
let n = 0;
/** A non-null root field: when it fails, nothing can be answered. */
const alone = () => `{ products(first: 1, query: "nonce${++n}") { totalCount } }`;
/** A nullable products field beside a users one: a partial answer is possible. */
const mixed = () => `{ category(slug: "nonce-${++n}") { name } me { name } }`;

describe("a database outage reaches clients as SERVICE_UNAVAILABLE (retryable), not INTERNAL_SERVER_ERROR", () => {
  let pg: PrivatePostgres;
  let usersDb: TestDatabase;
  const closers: (() => Promise<unknown>)[] = [];
  const productLogs: Record<string, unknown>[] = [];
  let productsUrl: string;
  let graphqlUrl: string;
  let token: string;

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    closers.push(() => pg.close());
    // The private server's own database, migrated by the subgraph at start as in production.
    const productsDbUrl = pg.url;
    usersDb = await provisionDatabase("users", migrations("users"));
    closers.push(() => usersDb.drop());
    const common = { NODE_ENV: "test", PORT: "0", SEED: "true", GATEWAY_TOKEN: TOKEN, DATABASE_POOL_MAX: "3" };
    const users = await startUsersSubgraph(loadUsersConfig({ ...common, DATABASE_URL: usersDb.url }), {
      logger: testLogger("users"),
    });
    closers.push(() => users.close());
    const jwks = `${users.url}/.well-known/jwks.json`;
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split("\n"))
          if (line) productLogs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const productsLogger = createLogger({ service: "products", level: "warn", destination: logs });
    const products = await startProductsSubgraph(
      loadProductsConfig({ ...common, DATABASE_URL: productsDbUrl, JWKS_URL: jwks }),
      { logger: productsLogger },
    );
    closers.push(() => products.close());
    productsUrl = `${products.url}/graphql`;
    const unused = "http://127.0.0.1:9/graphql";
    const gateway = await startGateway(
      loadGatewayConfig({
        NODE_ENV: "test",
        PORT: "0",
        GATEWAY_TOKEN: TOKEN,
        RATE_LIMIT_ENABLED: "false",
        JWKS_URL: jwks,
        USERS_URL: `${users.url}/graphql`,
        PRODUCTS_URL: productsUrl,
        ORDERS_URL: unused,
        NOTIFICATIONS_URL: unused,
      }),
      { logger: testLogger("gateway") },
    );
    closers.push(() => gateway.close());
    graphqlUrl = `${gateway.url}/graphql`;
    const login = await gql(graphqlUrl, LOGIN);
    token = login.data?.login.session.accessToken;
    expect(token).toBeTruthy();
  }, 120_000);
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  });

  it("answers 503 when nothing could be answered, partial data with the error at its path otherwise, and recovers by itself", async () => {
    expect((await gql(graphqlUrl, mixed(), { token })).errors).toBeUndefined();
    await pg.stop("fast");

    const direct = await gql(productsUrl, alone(), { credential: TOKEN });
    expect(direct.status).toBe(503);
    expect(direct.headers.get("retry-after")).toBe("1");
    expect(direct.errors).toEqual([expect.objectContaining({ path: ["products"], extensions: OUTAGE })]);
    expect(JSON.stringify(direct.errors)).not.toMatch(/P1001|127\.0\.0\.1|database server|prisma/i);

    const nothing = await gql(graphqlUrl, alone());
    expect(nothing.status).toBe(503);
    expect(nothing.errors).toEqual([expect.objectContaining({ path: ["products"], extensions: OUTAGE })]);

    const partial = await gql(graphqlUrl, mixed(), { token });
    expect(partial.status).toBe(200);
    expect(partial.data).toEqual({ category: null, me: { name: expect.any(String) } });
    expect(partial.errors).toEqual([expect.objectContaining({ path: ["category"], extensions: OUTAGE })]);

    // The log keeps what really happened (the client only learns it may retry).
    const logged = productLogs.find((line) => line.msg === "unexpected error");
    expect(JSON.stringify(logged)).toMatch(/P1001|Can't reach database server/);

    await pg.start();
    // The subgraph's answers were answers: the gateway's breaker never opened, so the first query after the restart is whole.
    let recovered: Awaited<ReturnType<typeof gql>> | undefined;
    for (let i = 0; i < 50; i++) {
      recovered = await gql(graphqlUrl, alone(), { token });
      if (!recovered.errors) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recovered?.errors).toBeUndefined();
    expect(recovered?.data).toEqual({ products: { totalCount: 0 } });
  }, 60_000);
});

describe("SUBGRAPH_UNAVAILABLE errors carry the paths of the fields they null", () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { RATE_LIMIT_ENABLED: "false" } });
    const login = await gql(stack.url, LOGIN);
    token = login.data?.login.session.accessToken;
  }, 120_000);
  afterAll(() => stack?.close());

  it("root fields and entity fields alike, retryable", async () => {
    const entities = "{ me { orders(first: 2) { edges { node { number items { title product { title } } } } } } }";
    const before = await gql(stack.url, entities, { token });
    expect(before.errors).toBeUndefined();
    const edges: { node: { items: unknown[] } }[] = before.data?.me.orders.edges;
    expect(edges.flatMap((e) => e.node.items).length).toBeGreaterThan(0);
    await stack.products.close();

    const root = await gql(stack.url, '{ product(slug: "anything") { title } me { name } }', { token });
    expect(root.status).toBe(200);
    expect(root.data).toEqual({ product: null, me: { name: expect.any(String) } });
    expect(root.errors).toEqual([expect.objectContaining({ path: ["product"], extensions: UNREACHABLE })]);

    // One error per product the order lines could not resolve, at the client's own path. Product
    // is non-null on a line, so the null climbs to `me` and nothing is left: 503.
    const res = await gql(stack.url, entities, { token });
    for (const error of res.errors ?? []) expect(error.extensions).toEqual(UNREACHABLE);
    const pathOf = (i: number, j: number) => ["me", "orders", "edges", i, "node", "items", j, "product", "title"];
    const expected = edges.flatMap((e, i) => e.node.items.map((_item, j) => pathOf(i, j)));
    expect((res.errors ?? []).map((e) => e.path)).toEqual(expected);
    expect(res.data).toEqual({ me: null });
    expect(res.status).toBe(503);
  }, 60_000);
});

describe("a Redis outage, as the request-path client reports it, is SERVICE_UNAVAILABLE too", () => {
  it("stopped and frozen: the errors ioredis throws are recognised and formatted as retryable", async () => {
    const redis = await startPrivateRedis();
    const client = createRedis(redis.url, { commandTimeoutMs: 50 });
    client.on("error", () => {});
    const format = createErrorFormatter();
    const asClientSees = (error: unknown) => format({ message: String(error) }, { originalError: error });
    try {
      expect(await waitForRedis(client)).toBe(true);
      expect(await client.ping()).toBe("PONG");
      redis.freeze();
      const frozen = await client.get("k").catch((error: unknown) => error);
      expect(isOutageError(frozen)).toBe(true);
      expect(asClientSees(frozen).extensions).toEqual({ code: "SERVICE_UNAVAILABLE", retryable: true });
      redis.thaw();
      await redis.stop();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const stopped = await client.get("k").catch((error: unknown) => error);
      expect(stopped).toBeInstanceOf(Error);
      expect(isOutageError(stopped)).toBe(true);
      expect(asClientSees(stopped).extensions).toEqual({ code: "SERVICE_UNAVAILABLE", retryable: true });
    } finally {
      client.disconnect();
      await redis.close();
    }
  }, 30_000);
});
