import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, waitForRedis, type Redis } from "@shopgraph/kv";
import { seedProducts } from "@shopgraph/fixtures";
import { hasRealServer, TEST_DATABASE_SERVER } from "@shopgraph/testing";
import { createMemoryEntityCache, createRedisEntityCache, type EntityCache } from "../src/cache/entity-cache.ts";
import type { QueryEvent } from "../src/db/client.ts";
import { insertProducts } from "./factories.ts";
import { provisionProductsWorld, startTestProducts, type ProductsWorld, type TestProducts } from "./harness.ts";

/**
 * Several instances over one database need a real server (the embedded fallback serves one
 * connection at a time), and they share their cache only through Redis. Without both, one instance
 * plays both parts, and the test that is only about two instances is skipped.
 */
const REAL_POSTGRES = await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432);
let world: ProductsWorld;
let first: TestProducts;
let second: TestProducts;
let redis: Redis | undefined;
const statements: QueryEvent[] = [];
beforeAll(async () => {
  world = await provisionProductsWorld();
  // Two instances over one database and one Redis namespace, as behind a load balancer.
  first = await startTestProducts(world, { CACHE_TTL_SECONDS: "600" }, { onQuery: (e) => statements.push(e) });
  second = REAL_POSTGRES && world.redis.url ? await startTestProducts(world, { CACHE_TTL_SECONDS: "600" }) : first;
  if (world.redis.url) {
    redis = createRedis(world.redis.url, { commandTimeoutMs: 2_000 });
    await waitForRedis(redis);
  }
});
afterAll(async () => {
  redis?.disconnect();
  await Promise.all([first?.close(), second !== first ? second?.close() : undefined]);
  await world?.close();
});

const ENTITY =
  "query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id title price { amount } quantityAvailable updatedAt } } }";
const entity = async (instance: TestProducts, id: string) =>
  (await instance.query(ENTITY, { variables: { r: [{ __typename: "Product", id }] } })).data?._entities[0];
const byId = async (instance: TestProducts, id: string) =>
  (await instance.query("query($id: ID) { product(id: $id) { price { amount } title } }", { variables: { id } })).data
    ?.product;
const asAdmin = (instance: TestProducts, query: string, variables: Record<string, unknown>) =>
  instance.query(query, { variables, token: world.tokens.admin });
const setPrice = (instance: TestProducts, id: string, price: string) =>
  asAdmin(
    instance,
    "mutation($id: ID!, $p: String!) { updateProduct(id: $id, input: { price: $p }) { userErrors { code } } }",
    { id, p: price },
  );
const productKey = (id: string) => `${world.redis.prefix}products:{product:${id}}`;

describe("product entity cache", () => {
  it("serves a warm entity from Redis with a jittered TTL, and a price update is visible on the next read", async ({
    skip,
  }) => {
    if (!redis) return skip();
    const [product] = await insertProducts(first.db, [{ priceMinor: 1000n }]);
    expect(await entity(first, product!.id)).toMatchObject({ price: { amount: "10.00" } });
    const ttl = await redis.ttl(productKey(product!.id));
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(660);
    await setPrice(first, product!.id, "12.00");
    expect(await redis.exists(productKey(product!.id))).toBe(0);
    expect(await entity(first, product!.id)).toMatchObject({ price: { amount: "12.00" } });
    expect(await byId(first, product!.id)).toMatchObject({ price: { amount: "12.00" } });
  });

  it.skipIf(!REAL_POSTGRES)(
    "invalidates across instances sharing Redis: no stale price or title on the other instance",
    async ({ skip }) => {
      if (!redis) return skip();
      const [product] = await insertProducts(first.db, [{ priceMinor: 2000n, title: "Shared Lamp" }]);
      expect(await entity(first, product!.id)).toMatchObject({ price: { amount: "20.00" } });
      expect(await entity(second, product!.id)).toMatchObject({ price: { amount: "20.00" } });
      // Ids are case-insensitive; the cache key is not, so the write must normalize before invalidating.
      await setPrice(second, product!.id.toUpperCase(), "25.50");
      expect(await entity(first, product!.id)).toMatchObject({ price: { amount: "25.50" } });
      await asAdmin(
        first,
        'mutation($id: ID!) { updateProduct(id: $id, input: { title: "Renamed Lamp" }) { userErrors { code } } }',
        { id: product!.id },
      );
      expect(await byId(second, product!.id)).toEqual({ price: { amount: "25.50" }, title: "Renamed Lamp" });
    },
  );

  it("stock changes show at once everywhere (availability is read fresh; the entity is invalidated too)", async () => {
    const [product] = await insertProducts(first.db, [{ stock: 10 }]);
    const before = await entity(second, product!.id);
    expect(before).toMatchObject({ quantityAvailable: 10 });
    const res = await asAdmin(
      first,
      "mutation($id: ID!) { adjustInventory(productId: $id, delta: -4) { userErrors { code } } }",
      { id: product!.id },
    );
    expect(res.data?.adjustInventory.userErrors).toEqual([]);
    const after = await entity(second, product!.id);
    expect(after.quantityAvailable).toBe(6);
    expect(new Date(after.updatedAt).getTime()).toBeGreaterThan(new Date(before.updatedAt).getTime());
    await first.db.stockReservation.create({
      data: {
        orderId: crypto.randomUUID(),
        productId: product!.id,
        quantity: 2,
        expiresAt: new Date(Date.now() + 60_000),
      },
    });
    expect((await entity(second, product!.id)).quantityAvailable).toBe(4);
  });

  it("coalesces concurrent cold reads of one product into a single database query", async () => {
    const [product] = await insertProducts(first.db, [{ title: "Coalesced Chair" }]);
    statements.length = 0;
    const reads = await Promise.all(
      Array.from({ length: 25 }, () =>
        first.query("query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { id title } } }", {
          variables: { r: [{ __typename: "Product", id: product!.id }] },
        }),
      ),
    );
    expect(reads.map((r) => r.data?._entities[0]?.title)).toEqual(Array(25).fill("Coalesced Chair"));
    expect(statements.filter((s) => s.query.includes('"Product"') && s.params.includes(product!.id))).toHaveLength(1);
  });

  it("refreshes the categories list on every instance after createCategory", async () => {
    const count = async (instance: TestProducts) =>
      (await instance.query("{ categories { id } }")).data?.categories.length as number;
    const [a, b] = [await count(first), await count(second)];
    await asAdmin(first, 'mutation { createCategory(input: { name: "Cache Busters" }) { userErrors { code } } }', {});
    expect(await count(first)).toBe(a + 1);
    if (redis) expect(await count(second)).toBe(b + 1);
  });

  it("keeps answering from the database when Redis is unreachable", async () => {
    // Another instance over the same database (on the embedded fallback, over a seeded one of its
    // own that trusts the same token issuer).
    const own = REAL_POSTGRES ? undefined : await provisionProductsWorld();
    const offline = await startTestProducts(own ? { ...own, issuer: world.issuer } : world, {
      REDIS_URL: "redis://127.0.0.1:9",
    });
    try {
      const seeded = seedProducts[3]!;
      expect(await entity(offline, seeded.id)).toMatchObject({ id: seeded.id, title: seeded.title });
      expect(await setPrice(offline, seeded.id, "9.99")).toMatchObject({ data: { updateProduct: { userErrors: [] } } });
    } finally {
      await offline.close();
      await own?.close();
    }
  });
});

describe.each([
  ["redis", () => (redis ? createRedisEntityCache(redis, `${world.redis.prefix}unit:`) : undefined)],
  ["memory", () => createMemoryEntityCache()],
] as const)("%s entity cache", (_name, make) => {
  it("drops a fill whose read raced an invalidation (no stale value written back)", async ({ skip }) => {
    const cache: EntityCache | undefined = make();
    if (!cache) return skip();
    const [read] = await cache.read(["k1"]);
    expect(read).toEqual({ value: null, version: "0" });
    await cache.invalidate(["k1"]);
    await cache.fill([{ key: "k1", value: "old", version: read!.version!, ttlSeconds: 60 }]);
    expect((await cache.read(["k1"]))[0]).toEqual({ value: null, version: "1" });
    await cache.fill([{ key: "k1", value: "new", version: "1", ttlSeconds: 60 }]);
    expect((await cache.read(["k1"]))[0]).toEqual({ value: "new", version: "1" });
  });
});
