import { spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEnvelope, createRedisStreamPublisher } from "../../packages/events/src/index.ts";
import { DEMO_PASSWORDS, seedAdmin, seedCustomer } from "../../packages/fixtures/src/index.ts";
import { gql, hasRealServer, TEST_DATABASE_SERVER, TEST_REDIS_URL } from "../../packages/testing/src/index.ts";
import { createDb } from "../../subgraphs/notifications/src/db/client.ts";
import { startReplicaStack, type ReplicaStack } from "./replicas/replica-stack.ts";

// Issue #11 §3: many replicas on one machine behave as one. Two replicas of every service as real
// processes behind HAProxy (replicas/replica-stack.ts), real PostgreSQL and Redis.
const hasHaproxy = spawnSync("haproxy", ["-v"]).status === 0;
if (!hasHaproxy && process.env.CI) throw new Error("haproxy is required in CI (.ci/run installs Debian's haproxy)");
const REAL = hasHaproxy && (await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432)) && (await hasRealServer("Redis", TEST_REDIS_URL, 6379));

let stack: ReplicaStack;
const gatewayUrl = (index: 1 | 2) => `${stack.replica("gateway", index).url}/graphql`;
const login = async (email: string, password: string) =>
  (await gql(stack.url, "mutation($i: LoginInput!) { login(input: $i) { session { accessToken } } }", { variables: { i: { email, password } } })).data?.login.session.accessToken as string;

beforeAll(async () => {
  if (!REAL) return;
  // TRUST_PROXY: the rate-limit test names its client by x-forwarded-for, so it spends no other test's budget.
  stack = await startReplicaStack({ env: { gateway: { TRUST_PROXY: "true", RATE_LIMIT_ANON_POINTS: "400" } } });
}, 240_000);
afterAll(async () => stack?.close());

describe.skipIf(!REAL)("two replicas of everything behind HAProxy", () => {
  it("rate limits are shared: a client's budget is the same whichever gateway answers", async () => {
    const spend = async (ip: string, gateways: (1 | 2)[]) => {
      for (let n = 0; n < 1_000; n += 1) {
        const res = await gql(gatewayUrl(gateways[n % gateways.length]!), "{ categories { name } }", { headers: { "x-forwarded-for": ip } });
        if (res.status === 429) return { allowed: n, code: res.errors?.[0]?.extensions?.code };
      }
      throw new Error("never limited");
    };
    const one = await spend("203.0.113.1", [1]);
    const both = await spend("203.0.113.2", [1, 2]);
    expect(one.code).toBe("RATE_LIMITED");
    expect(both.code).toBe("RATE_LIMITED");
    expect(both.allowed).toBe(one.allowed);
    // Spent through gateway 1, refused by gateway 2.
    expect((await gql(gatewayUrl(2), "{ categories { name } }", { headers: { "x-forwarded-for": "203.0.113.1" } })).status).toBe(429);
  });

  it("an APQ registered through one gateway hits on the other", async () => {
    const query = `{ categories { slug } __typename apq: __typename }`;
    const sha256Hash = createHash("sha256").update(query).digest("hex");
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const post = (index: 1 | 2, body: unknown) => fetch(gatewayUrl(index), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }>);
    const miss = await post(2, { extensions });
    expect(miss.errors?.[0]?.extensions?.code).toBe("PERSISTED_QUERY_NOT_FOUND");
    expect((await post(1, { query, extensions })).errors).toBeUndefined();
    const hit = await post(2, { extensions });
    expect(hit.errors).toBeUndefined();
    expect(hit.data).toMatchObject({ apq: "Query" });
  });

  it("a product change invalidates the products entity cache on every replica", async () => {
    const admin = await login(seedAdmin.email, DEMO_PASSWORDS.admin);
    const first = (await gql(stack.url, "{ products(first: 1) { edges { node { id title } } } }")).data?.products.edges[0].node as { id: string; title: string };
    const titles = async () => {
      const seen = new Set<string>();
      // Round robin over the products replicas: four reads reach both.
      for (let i = 0; i < 4; i += 1) seen.add((await gql(stack.url, "query($id: ID) { product(id: $id) { title } }", { variables: { id: first.id } })).data?.product.title);
      return [...seen];
    };
    expect(await titles()).toEqual([first.title]);
    const title = `Renamed ${randomUUID().slice(0, 8)}`;
    const update = await gql(stack.url, "mutation($id: ID!, $i: UpdateProductInput!) { updateProduct(id: $id, input: $i) { userErrors { code } } }", { token: admin, variables: { id: first.id, i: { title } } });
    expect(update.errors).toBeUndefined();
    expect(await titles()).toEqual([title]);
  });

  it("1,000 events split over two consumers of one group: every notification exactly once, both consumers worked", async () => {
    const publisher = createRedisStreamPublisher({ url: stack.redis.url!, prefix: stack.redis.prefix });
    const events = Array.from({ length: 1_000 }, (_, i) => createEnvelope("user.registered", { userId: randomUUID(), email: `bulk${i}@example.com`, name: `Bulk ${i}`, role: "CUSTOMER" }));
    for (let i = 0; i < events.length; i += 100) await publisher.publish(events.slice(i, i + 100));
    await publisher.close();
    const db = createDb(stack.database.notifications!.url, 2);
    try {
      const ids = events.map((e) => e.id);
      const deadline = Date.now() + 120_000;
      while ((await db.processedEvent.count({ where: { eventId: { in: ids } } })) < ids.length) {
        if (Date.now() > deadline) throw new Error("events not all processed in 120 s");
        await new Promise((r) => setTimeout(r, 250));
      }
      const notifications = await db.notification.findMany({ where: { eventId: { in: ids } }, select: { eventId: true } });
      expect(notifications).toHaveLength(1_000);
      expect(new Set(notifications.map((n) => n.eventId)).size).toBe(1_000);
    } finally {
      await db.$disconnect();
    }
    const handled = await Promise.all(
      [1, 2].map(async (index) => {
        const text = await fetch(`http://127.0.0.1:${stack.replica("notifications", index as 1 | 2).metricsPort}/metrics`).then((r) => r.text());
        return [...text.matchAll(/^events_consumed_total\{[^}]*type="user\.registered"[^}]*outcome="done"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      }),
    );
    expect(handled[0]! + handled[1]!).toBeGreaterThanOrEqual(1_000);
    expect(handled[0]).toBeGreaterThan(0);
    expect(handled[1]).toBeGreaterThan(0);
  }, 180_000);

  it("a rolling restart of every service under steady load (SIGTERM, wait until ready) fails 0 requests", async () => {
    const token = await login(seedCustomer.email, DEMO_PASSWORDS.customer);
    const query = "{ me { name orders(first: 1) { totalCount } unreadNotificationCount } products(first: 2) { edges { node { title } } } }";
    let stop = false;
    const outcome = { ok: 0, failed: [] as unknown[] };
    const client = async () => {
      while (!stop) {
        const res = await gql(stack.url, query, { token }).catch((error: unknown) => ({ status: 0, errors: [String(error)], data: undefined }));
        if (res.status === 200 && !res.errors && res.data?.me?.name) outcome.ok += 1;
        else outcome.failed.push({ status: res.status, errors: res.errors });
      }
    };
    const load = Promise.all(Array.from({ length: 3 }, client));
    for (const service of ["users", "products", "orders", "notifications", "gateway"] as const) {
      for (const index of [1, 2] as const) {
        const replica = stack.replica(service, index);
        await stack.stop(replica, "SIGTERM");
        await stack.start(replica);
        // HAProxy's health check (every 200 ms) sees it ready before the next one goes.
        await new Promise((r) => setTimeout(r, 750));
      }
    }
    stop = true;
    await load;
    process.stdout.write(`[replicas] rolling restart of 10 processes: ${outcome.ok} requests ok, ${outcome.failed.length} failed\n`);
    expect(outcome.failed.slice(0, 5), `${outcome.failed.length} failed of ${outcome.failed.length + outcome.ok}`).toEqual([]);
    expect(outcome.ok).toBeGreaterThan(50);
  }, 300_000);
});
