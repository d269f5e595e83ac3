import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORDS, seedCustomer, seedProducts } from "@shopgraph/fixtures";
import { gql, startPrivateRedis, type GqlResponse, type PrivateRedis } from "@shopgraph/testing";
import { startStack, type Stack } from "./stack.ts";

// Issue #12 fault 1: Redis stopped, then frozen (SIGSTOP), under a closed-loop load of the
// cached-catalog and `me` queries through the gateway. Goal: p99 during each fault stays under 2×
// the healthy p99, and no request fails because of Redis (rate limits, APQ and the products cache
// all sit on Redis). Every server of the stack uses a private redis-server this file may stop.
/** Length of one load slice; the conditions alternate slice by slice. */
const PHASE_MS = 2_000;
/** The production deadline (the e2e stack gives functional tests a generous one). */
const DEADLINE_MS = 50;
/** Requests starting this soon after a freeze are the transition: by then both guards have tripped. */
const TRANSITION_MS = 3 * DEADLINE_MS;
const WORKERS = 2;
const catalog = seedProducts.filter((p) => !p.archived).slice(0, 20);
const PRODUCT = "query($id: ID) { product(id: $id) { id title price { amount } } }";
const PRODUCTS = "{ products(first: 10) { edges { node { id title price { amount } } } } }";
const ME = "{ me { id email } }";
const PLACE = `mutation($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { order { id status } userErrors { code } }
}`;
const address = { name: "Casey Customer", line1: "1 Main St", city: "Springfield", postalCode: "12345", country: "US" };
const inStock = seedProducts.filter((p) => !p.archived && p.stock >= 20);

let redis: PrivateRedis;
let stack: Stack;
let token: string;

beforeAll(async () => {
  redis = await startPrivateRedis();
  // Limits on (so the limiter's Redis path and its fallback are exercised) with budgets no phase exhausts.
  // METRICS_PORT 0: the notifications subgraph gets a fixed public port, and its default metrics port could clash.
  const onRedis = {
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: "sg:",
    METRICS_PORT: "0",
    REDIS_COMMAND_TIMEOUT_MS: String(DEADLINE_MS),
  };
  const budgets = { RATE_LIMIT_USER_POINTS: "100000000", RATE_LIMIT_ANON_POINTS: "100000000" };
  stack = await startStack({ subgraphEnv: onRedis, gatewayEnv: { ...onRedis, ...budgets } });
  const login = await gql(stack.url, "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }", {
    variables: { i: { email: seedCustomer.email, password: DEMO_PASSWORDS.customer } },
  });
  token = login.data?.login.session.accessToken as string;
  expect(token).toBeTruthy();
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await redis?.close();
});

interface Phase {
  name: string;
  latencies: number[];
  /** The same samples per query kind: product(id), products, me. */
  byKind?: [number[], number[], number[]];
  failures: string[];
  /** Requests started in the first `transitionMs` of the slice, kept apart (see the freeze). */
  transition?: number[];
}

/** One request of the mix; returns a failure description, or undefined when it answered fully. */
async function one(i: number): Promise<string | undefined> {
  const kind = i % 3;
  const res: GqlResponse =
    kind === 0
      ? await gql(stack.url, PRODUCT, { variables: { id: catalog[i % catalog.length]!.id } })
      : kind === 1
        ? await gql(stack.url, PRODUCTS)
        : await gql(stack.url, ME, { token });
  const answered =
    kind === 0 ? res.data?.product?.id : kind === 1 ? res.data?.products?.edges?.length : res.data?.me?.id;
  const ok = res.status === 200 && !res.errors && answered;
  return ok
    ? undefined
    : `${["product", "products", "me"][kind]}: ${res.status} ${JSON.stringify(res.errors ?? res.data).slice(0, 200)}`;
}

/** Closed loop: WORKERS concurrent clients for `ms`, each sending the next request when the last answered. */
async function load(name: string, ms = PHASE_MS, transitionMs = 0): Promise<Phase> {
  const phase: Phase = { name, latencies: [], byKind: [[], [], []], failures: [], transition: [] };
  const begin = performance.now();
  const end = Date.now() + ms;
  let n = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (Date.now() < end) {
        const started = performance.now();
        const i = n++;
        const failure = await one(i).catch((error: unknown) => `threw: ${String(error)}`);
        const took = performance.now() - started;
        if (failure) phase.failures.push(failure);
        if (started - begin < transitionMs) {
          phase.transition!.push(took);
          continue;
        }
        phase.latencies.push(took);
        phase.byKind![i % 3]!.push(took);
      }
    }),
  );
  return phase;
}

const p99 = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(sorted.length * 0.99) - 1)] ?? 0;
};
const p50 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const stats = (values: number[]) =>
  `n=${values.length} p50=${p50(values).toFixed(1)} ms p99=${p99(values).toFixed(1)} ms`;
const describePhase = (p: Phase) =>
  `${p.name}: ${stats(p.latencies)} failures=${p.failures.length}; ` +
  ["product(id)", "products", "me"].map((k, i) => `${k} ${stats(p.byKind?.[i] ?? [])}`).join("; ");

/** APQ by hash only, then hash + query: the protocol's two steps, whatever the store remembers. */
async function apq(query: string): Promise<[GqlResponse, GqlResponse]> {
  const sha256Hash = createHash("sha256").update(query).digest("hex");
  const extensions = { persistedQuery: { version: 1, sha256Hash } };
  const post = (body: object) =>
    fetch(stack.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, headers: r.headers, ...(await r.json()) }) as GqlResponse);
  return [await post({ extensions }), await post({ query, extensions })];
}

/** Merges the samples of several slices of one condition. */
const merge = (name: string, phases: Phase[]): Phase => ({
  name,
  transition: phases.flatMap((p) => p.transition ?? []),
  latencies: phases.flatMap((p) => p.latencies),
  byKind: [0, 1, 2].map((k) => phases.flatMap((p) => p.byKind?.[k] ?? [])) as [number[], number[], number[]],
  failures: phases.flatMap((p) => p.failures),
});

describe("Redis outage and freeze under load", () => {
  it("keeps p99 of catalog and me under 2× the healthy p99 with no failed request, stopped or frozen", async () => {
    // Warm-up: caches filled, connections open, JIT warm.
    await load("warm-up", 1_500);
    // Healthy and faulty slices alternate, so the load other processes put on this machine
    // weighs on both conditions alike instead of on whichever phase it happens to hit. The
    // requests in flight when Redis stops answering wait the deadline once per component (then
    // the guards trip): that transition, once per freeze, is bounded separately, and the freeze's
    // p99 is taken over the requests that start after it.
    const healthy: Phase[] = [];
    const stopped: Phase[] = [];
    const orders: GqlResponse[] = [];
    // Checkout while the fault lasts (the issue saw 24% INTERNAL_SERVER_ERROR), after the measured
    // slice so its work does not weigh on the catalog figures.
    const placeOrders = async () => {
      for (let i = 0; i < 2; i++) {
        const lines = [{ productId: inStock[orders.length % inStock.length]!.id, quantity: 1 }];
        const input = { lines, shippingAddress: address, paymentToken: "tok_visa" };
        orders.push(await gql(stack.url, PLACE, { token, variables: { input, key: `redis-fault-${randomUUID()}` } }));
      }
    };
    const stop = async () => {
      await redis.stop();
      stopped.push(await load("redis stopped"));
      await placeOrders();
      await redis.start();
      // Reconnect backoff is at most 1 s (100 ms after a short outage) and the guards probe every 250 ms.
      await load("refill", 1_000);
    };
    const frozen: Phase[] = [];
    const freeze = async () => {
      redis.freeze();
      try {
        frozen.push(await load("redis frozen (SIGSTOP)", PHASE_MS, TRANSITION_MS));
        await placeOrders();
      } finally {
        redis.thaw();
      }
      await load("recover", 500);
    };
    healthy.push(await load("healthy"));
    await stop();
    healthy.push(await load("healthy"));
    await freeze();
    healthy.push(await load("healthy"));
    await stop();
    healthy.push(await load("healthy"));
    await freeze();
    healthy.push(await load("healthy"));
    // APQ during an outage: the hash is unknown (a miss, not an error), the full query is answered.
    await redis.stop();
    const apqQuery = `{ products(first: 2) { edges { node { id } } } } # ${randomUUID()}`;
    const [byHash, withQuery] = await apq(apqQuery);
    await redis.start();

    const phases = [
      merge("healthy", healthy),
      merge("redis stopped", stopped),
      merge("redis frozen (SIGSTOP)", frozen),
    ];
    for (const p of phases) process.stdout.write(`[redis-outage] ${describePhase(p)}\n`);
    const [normal, outage, frozenAll] = phases as [Phase, Phase, Phase];
    const transition = frozenAll.transition ?? [];
    process.stdout.write(
      `[redis-outage] freeze transitions (first ${TRANSITION_MS} ms of each): ${transition.map((t) => t.toFixed(0)).join(", ")} ms\n`,
    );

    expect(byHash.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect(withQuery.errors).toBeUndefined();
    expect(withQuery.data?.products.edges).toHaveLength(2);
    for (const p of phases) expect(p.failures.slice(0, 5), p.name).toEqual([]);
    expect(orders).toHaveLength(8);
    for (const res of orders) {
      expect(res.errors).toBeUndefined();
      expect(res.data?.placeOrder).toMatchObject({ order: { status: "PAID" }, userErrors: [] });
    }
    expect(p99(outage.latencies), "p99 with Redis stopped").toBeLessThan(2 * p99(normal.latencies));
    expect(p99(frozenAll.latencies), "p99 with Redis frozen").toBeLessThan(2 * p99(normal.latencies));
    // A request caught by the freeze waits at most one deadline per component that uses Redis
    // (gateway, products) on top of its usual time.
    expect(Math.max(...transition), "slowest request caught by a freeze").toBeLessThan(
      2 * DEADLINE_MS + 2 * p99(normal.latencies),
    );
  }, 150_000);
});
