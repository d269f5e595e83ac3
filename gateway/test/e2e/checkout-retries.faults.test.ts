import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer, seedProducts } from "@shopgraph/fixtures";
import { freePort, gql, provisionDatabase, type TestDatabase } from "@shopgraph/testing";
import { killServiceProcess, startServiceProcess, type ServiceProcess } from "./service-process.ts";
import { startStack, type Stack } from "./stack.ts";

// Issue #12 fault 4: a client retries an order that is still in progress, and orders is killed
// in the middle of checkouts.

const PLACE = `mutation($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { order { id status } userErrors { code field } }
}`;
const address = { name: "Casey Customer", line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" };
const product = seedProducts.find((p) => !p.archived && p.stock >= 50)!;
const input = { lines: [{ productId: product.id, quantity: 1 }], shippingAddress: address, paymentToken: "tok_visa" };
const SERVICE_TOKEN = "e2e-service-token-0123456789abcdef0123";
const ENTRY = "subgraphs/orders/src/index.ts";

let stack: Stack;
let token: string;
beforeAll(async () => {
  // Each provider call takes 3 s: a checkout (authorize + capture) runs ~6 s, past orders' 5 s
  // in-progress wait and well within the gateway's 10 s subgraph timeout. A breaker threshold of
  // 2 would open on the second timed-out retry if the wait were longer than the timeout.
  stack = await startStack({
    gatewayEnv: { RATE_LIMIT_ENABLED: "false", BREAKER_FAILURE_THRESHOLD: "2" },
    subgraphEnv: { PAYMENT_LATENCY_MS: "3000" },
  });
  const credentials = `email: "${seedCustomer.email}", password: "${DEMO_PASSWORDS.customer}"`;
  const login = await gql(stack.url, `mutation { login(input: { ${credentials} }) { session { accessToken } } }`);
  token = login.data?.login.session.accessToken;
}, 120_000);
afterAll(() => stack?.close());

describe("checkout retries and crashes", () => {
  it("six concurrent retries of a slow in-progress order get IDEMPOTENCY_KEY_IN_USE; the orders breaker stays closed", async () => {
    const key = randomUUID();
    const first = gql(stack.url, PLACE, { token, variables: { input, key } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const startedAt = performance.now();
    const retries = await Promise.all(
      Array.from({ length: 6 }, () => gql(stack.url, PLACE, { token, variables: { input, key } })),
    );
    const waited = Math.round(performance.now() - startedAt);
    console.log(`in-progress retries answered after ${waited} ms`);
    for (const retry of retries) {
      expect(retry.errors).toBeUndefined();
      expect(retry.data?.placeOrder).toEqual({
        order: null,
        userErrors: [{ code: "IDEMPOTENCY_KEY_IN_USE", field: ["idempotencyKey"] }],
      });
    }
    expect(waited).toBeLessThan(10_000);
    const placed = await first;
    expect(placed.errors).toBeUndefined();
    expect(placed.data?.placeOrder.order.status).toBe("PAID");
    // The breaker is closed: orders answers at once (an open one would fail fast with SUBGRAPH_UNAVAILABLE).
    const after = await gql(stack.url, "{ me { orders(first: 1) { totalCount } } }", { token });
    expect(after.errors).toBeUndefined();
    // The retry after the first attempt finished replays its order.
    const replay = await gql(stack.url, PLACE, { token, variables: { input, key } });
    expect(replay.data?.placeOrder.order).toEqual(placed.data?.placeOrder.order);
  }, 60_000);

  describe("orders SIGKILLed with checkouts in flight", () => {
    let database: TestDatabase;
    let orders: ServiceProcess | undefined;
    const port = { value: 0 };
    const env = () => ({
      NODE_ENV: "test",
      DATABASE_URL: database.url,
      DATABASE_POOL_MAX: "5",
      JWKS_URL: `${stack.users.url}/.well-known/jwks.json`,
      PRODUCTS_URL: `${stack.products.url}/graphql`,
      SERVICE_TOKEN,
      GATEWAY_TOKEN: stack.gatewayToken,
      ...(stack.redis.url ? { REDIS_URL: stack.redis.url, REDIS_KEY_PREFIX: stack.redis.prefix } : {}),
      RECOVERY_AGE_MS: "2000",
    });
    beforeAll(async () => {
      database = await provisionDatabase(
        "orders",
        fileURLToPath(new URL("../../../subgraphs/orders/prisma/migrations", import.meta.url)),
      );
      port.value = await freePort();
    });
    afterAll(async () => {
      if (orders) await killServiceProcess(orders);
      await database?.drop();
    });

    const pending = async (url: string) => {
      const query = "{ orders(first: 50) { edges { node { status } } } }";
      const res = await gql(`${url}/graphql`, query, { token, credential: stack.gatewayToken });
      const edges = res.data?.orders.edges as { node: { status: string } }[] | undefined;
      return edges?.filter((e) => e.node.status === "PENDING").length ?? -1;
    };

    it("the recovery sweep's first pass, right after the restart, settles the checkouts the crash left", async () => {
      // The provider hangs: every checkout stops in its charging step.
      orders = await startServiceProcess(ENTRY, port.value, {
        ...env(),
        PAYMENT_LATENCY_MS: "60000",
        RECOVERY_INTERVAL_MS: "0",
      });
      const place = (url: string) =>
        gql(`${url}/graphql`, PLACE, {
          token,
          credential: stack.gatewayToken,
          variables: { input, key: randomUUID() },
        });
      const inFlight = Array.from({ length: 5 }, () => place(orders!.url).catch(() => undefined));
      const deadline = Date.now() + 15_000;
      while ((await pending(orders.url)) < 5 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await pending(orders.url)).toBe(5);
      await killServiceProcess(orders);
      const killedAt = performance.now();
      await Promise.all(inFlight);
      // Older than RECOVERY_AGE_MS by the time it is back; a 60 s interval, so only the first pass can settle them.
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      orders = await startServiceProcess(ENTRY, port.value, { ...env(), RECOVERY_INTERVAL_MS: "60000" });
      let settledAt: number | undefined;
      // The next sweep is 60 s away: settling within 30 s can only be the first pass (a loaded machine takes seconds).
      while (settledAt === undefined && performance.now() - orders.readyAt < 30_000) {
        if ((await pending(orders.url)) === 0) settledAt = performance.now();
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(settledAt).toBeDefined();
      const afterReady = Math.round(settledAt! - orders.readyAt);
      const restart = Math.round(orders.readyAt - killedAt);
      console.log(
        `orders SIGKILL: restart ready ${restart} ms after the kill; 5 stuck checkouts settled ${afterReady} ms after ready`,
      );
      expect(afterReady).toBeLessThan(30_000);
    }, 90_000);
  });
});
