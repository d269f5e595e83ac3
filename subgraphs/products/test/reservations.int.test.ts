import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasRealServer, TEST_DATABASE_SERVER } from "@shopgraph/testing";
import { createDb } from "../src/db/client.ts";
import { sweepExpiredReservations } from "../src/domain/reservations.ts";
import { insertProducts } from "./factories.ts";
import { provisionProductsWorld, startTestProducts, type ProductsWorld, type TestProducts } from "./harness.ts";

/** Concurrent sessions (lock ordering, a second instance) need a real server; the fallback has one session. */
const REAL_POSTGRES = await hasRealServer("PostgreSQL", TEST_DATABASE_SERVER, 5432);
let world: ProductsWorld;
let products: TestProducts;
beforeAll(async () => {
  world = await provisionProductsWorld();
  // A pool of 10: the reservations below really run as concurrent transactions in Postgres. The
  // embedded fallback serves one connection, so there they queue on the harness's pool of one.
  products = await startTestProducts(world, {
    ...(world.database.embedded ? {} : { DATABASE_POOL_MAX: "10" }),
    LOW_STOCK_THRESHOLD: "5",
  });
});
afterAll(async () => {
  await products?.close();
  await world?.close();
});

const PAYLOAD = "{ ok userErrors { code field message } }";
const asService = (query: string, variables: Record<string, unknown>) =>
  products.query(query, { variables, headers: { "x-service-token": world.serviceToken } });
/** A missing payload is a GraphQL error (what a customer would see as an internal error): print it, the assertion then names it. */
const payloadOf = (field: string) => (r: { data?: Record<string, unknown> | null; errors?: readonly unknown[] }) => {
  const payload = r.data?.[field] as
    { ok: boolean; userErrors: { code: string; field: string[] }[] } | null | undefined;
  if (!payload) console.error(`${field}: no payload`, JSON.stringify(r.errors));
  return payload ?? { ok: false, userErrors: [], errors: r.errors };
};
const reserve = (orderId: string, lines: { productId: string; quantity: number }[]) =>
  asService(`mutation($o: ID!, $l: [StockLineInput!]!) { reserveStock(orderId: $o, lines: $l) ${PAYLOAD} }`, {
    o: orderId,
    l: lines,
  }).then(payloadOf("reserveStock"));
const commit = (orderId: string) =>
  asService(`mutation($o: ID!) { commitStock(orderId: $o) ${PAYLOAD} }`, { o: orderId }).then(payloadOf("commitStock"));
const release = (orderId: string) =>
  asService(`mutation($o: ID!) { releaseStock(orderId: $o) ${PAYLOAD} }`, { o: orderId }).then(
    payloadOf("releaseStock"),
  );
const stockOf = async (id: string) => (await products.db.product.findUniqueOrThrow({ where: { id } })).stock;
const available = async (id: string) =>
  (await products.query("query($id: ID) { product(id: $id) { quantityAvailable } }", { variables: { id } })).data
    ?.product.quantityAvailable as number;
const OK = { ok: true, userErrors: [] };

describe("reserveStock", () => {
  it("lets exactly 10 of 50 concurrent one-unit reservations win 10 units; stock never goes negative", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 10 }]);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => reserve(randomUUID(), [{ productId: product!.id, quantity: 1 }])),
    );
    expect(results.filter((r) => r?.ok)).toHaveLength(10);
    const failures = results.filter((r) => !r?.ok);
    expect(failures).toHaveLength(40);
    for (const failure of failures)
      expect(failure?.userErrors).toEqual([expect.objectContaining({ code: "OUT_OF_STOCK", field: ["lines", "0"] })]);
    expect(await available(product!.id)).toBe(0);
    const active = await products.db.stockReservation.aggregate({
      where: { productId: product!.id, status: "ACTIVE" },
      _sum: { quantity: true },
    });
    expect(active._sum.quantity).toBe(10);
    expect(await stockOf(product!.id)).toBe(10);
  });

  // A checkout burst on a busy database: 200 reservations queue on a pool of 10 behind one row lock while other
  // sessions keep the server working. When each held its connection in an interactive transaction while it waited,
  // losers past Prisma's maxWait got SERVICE_UNAVAILABLE here; every loser must get OUT_OF_STOCK.
  it.skipIf(!REAL_POSTGRES)(
    "answers 200 concurrent reservations on a busy database with 20 wins and 180 OUT_OF_STOCK, no error",
    async () => {
      const [product] = await insertProducts(products.db, [{ stock: 20 }]);
      const busy = createDb(world.database.url, 4);
      let stop = false;
      const load = Array.from({ length: 4 }, async () => {
        while (!stop) await busy.$queryRawUnsafe("SELECT count(*) FROM generate_series(1, 200000) g WHERE g % 7 = 0");
      });
      try {
        const started = performance.now();
        const slowest = { ms: 0 };
        const results = await Promise.all(
          Array.from({ length: 200 }, async () => {
            const result = await reserve(randomUUID(), [{ productId: product!.id, quantity: 1 }]);
            slowest.ms = Math.max(slowest.ms, performance.now() - started);
            return result;
          }),
        );
        console.info(`200 concurrent reservations: slowest answered after ${Math.round(slowest.ms)} ms`);
        expect(results.filter((r) => "errors" in r)).toEqual([]);
        expect(results.filter((r) => r.ok)).toHaveLength(20);
        const codes = results.filter((r) => !r.ok).map((r) => r.userErrors.map((e) => e.code).join());
        expect(codes).toEqual(Array(180).fill("OUT_OF_STOCK"));
        expect(await available(product!.id)).toBe(0);
        // Availability crossed the threshold (5) once, inside the winning reservation's own statement.
        const lowStock = await products.db.outboxEvent.findMany({
          where: { type: "inventory.low_stock", payload: { path: ["productId"], equals: product!.id } },
        });
        expect(lowStock.map((e) => e.payload)).toEqual([
          { productId: product!.id, title: product!.title, quantityAvailable: 5 },
        ]);
      } finally {
        stop = true;
        await Promise.all(load);
        await busy.$disconnect();
      }
    },
    120_000,
  );

  // One embedded session cannot deadlock: the test would prove nothing there.
  it.skipIf(!REAL_POSTGRES)(
    "never deadlocks when concurrent orders list the same products in opposite orders",
    async () => {
      const [a, b] = await insertProducts(products.db, [{ stock: 100 }, { stock: 100 }]);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => {
          const lines = [
            { productId: a!.id, quantity: 1 },
            { productId: b!.id, quantity: 1 },
          ];
          return reserve(randomUUID(), i % 2 === 0 ? lines : lines.reverse());
        }),
      );
      expect(results).toEqual(Array(30).fill(OK));
      expect([await available(a!.id), await available(b!.id)]).toEqual([70, 70]);
    },
  );

  it("reserves all lines or none, naming every short line with the product title", async () => {
    const [plenty, scarce, gone] = await insertProducts(products.db, [
      { stock: 50 },
      { stock: 2, title: "Scarce Vase" },
      { stock: 1, archivedAt: new Date() },
    ]);
    const orderId = randomUUID();
    const res = await reserve(orderId, [
      { productId: plenty!.id, quantity: 5 },
      { productId: scarce!.id, quantity: 3 },
      { productId: gone!.id, quantity: 1 },
      { productId: "00000000-0000-4000-8000-000000000000", quantity: 1 },
    ]);
    expect(res?.ok).toBe(false);
    expect(res?.userErrors).toEqual([
      { code: "OUT_OF_STOCK", field: ["lines", "1"], message: expect.stringContaining("Scarce Vase") },
      { code: "PRODUCT_UNAVAILABLE", field: ["lines", "2"], message: expect.any(String) },
      { code: "PRODUCT_UNAVAILABLE", field: ["lines", "3"], message: expect.any(String) },
    ]);
    expect(await products.db.stockReservation.count({ where: { orderId } })).toBe(0);
    expect(await available(plenty!.id)).toBe(50);
  });

  it("is idempotent per order: a retry neither double-reserves nor fails", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 3 }]);
    const orderId = randomUUID();
    const lines = [{ productId: product!.id, quantity: 2 }];
    expect(await reserve(orderId, lines)).toEqual(OK);
    const retries = await Promise.all([reserve(orderId, lines), reserve(orderId, lines), reserve(orderId, lines)]);
    expect(retries).toEqual([OK, OK, OK]);
    expect(await available(product!.id)).toBe(1);
    expect((await reserve(orderId, [{ productId: product!.id, quantity: 1 }]))?.userErrors).toEqual([
      expect.objectContaining({ code: "RESERVATION_MISMATCH" }),
    ]);
  });

  it("merges repeated products and validates quantities", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 5 }]);
    expect(
      await reserve(randomUUID(), [
        { productId: product!.id, quantity: 2 },
        { productId: product!.id, quantity: 2 },
      ]),
    ).toEqual(OK);
    expect(await available(product!.id)).toBe(1);
    const bad = await reserve(randomUUID(), [{ productId: product!.id, quantity: 0 }]);
    expect(bad?.userErrors).toEqual([
      expect.objectContaining({ code: "INVALID_QUANTITY", field: ["lines", "0", "quantity"] }),
    ]);
    const empty = await asService('mutation { reserveStock(orderId: "not-a-uuid", lines: []) { ok } }', {});
    expect(empty.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("records inventory.low_stock when a reservation takes availability to the threshold", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 8, title: "Reserved Lamp" }]);
    expect(await reserve(randomUUID(), [{ productId: product!.id, quantity: 3 }])).toEqual(OK);
    const events = await products.db.outboxEvent.findMany({
      where: { type: "inventory.low_stock", payload: { path: ["productId"], equals: product!.id } },
    });
    expect(events.map((e) => e.payload)).toEqual([
      { productId: product!.id, title: "Reserved Lamp", quantityAvailable: 5 },
    ]);
  });
});

describe("commitStock and releaseStock", () => {
  it("commit turns the reservation into a sale once; release of a paid order puts the units back", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 10 }]);
    const orderId = randomUUID();
    await reserve(orderId, [{ productId: product!.id, quantity: 4 }]);
    expect([await stockOf(product!.id), await available(product!.id)]).toEqual([10, 6]);
    expect(await commit(orderId)).toEqual(OK);
    expect(await commit(orderId)).toEqual(OK);
    expect([await stockOf(product!.id), await available(product!.id)]).toEqual([6, 6]);
    expect(await reserve(orderId, [{ productId: product!.id, quantity: 4 }])).toEqual(OK);
    expect(await stockOf(product!.id)).toBe(6);
    expect(await release(orderId)).toEqual(OK);
    expect(await release(orderId)).toEqual(OK);
    expect([await stockOf(product!.id), await available(product!.id)]).toEqual([10, 10]);
    expect((await commit(orderId))?.userErrors).toEqual([expect.objectContaining({ code: "RESERVATION_RELEASED" })]);
  });

  it("release of an unpaid reservation frees the units; unknown orders are a no-op release and a failed commit", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 2 }]);
    const orderId = randomUUID();
    await reserve(orderId, [{ productId: product!.id, quantity: 2 }]);
    expect(await available(product!.id)).toBe(0);
    expect(await release(orderId)).toEqual(OK);
    expect([await stockOf(product!.id), await available(product!.id)]).toEqual([2, 2]);
    expect(await release(randomUUID())).toEqual(OK);
    expect((await commit(randomUUID()))?.userErrors).toEqual([
      expect.objectContaining({ code: "RESERVATION_NOT_FOUND" }),
    ]);
  });
});

describe("expiry", () => {
  const expire = (orderId: string) =>
    products.db.stockReservation.updateMany({ where: { orderId }, data: { expiresAt: new Date(Date.now() - 1_000) } });

  it("stops counting expired reservations at once; the sweep releases them; commit then refuses", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 5 }]);
    const orderId = randomUUID();
    await reserve(orderId, [{ productId: product!.id, quantity: 5 }]);
    expect(await available(product!.id)).toBe(0);
    await expire(orderId);
    expect(await available(product!.id)).toBe(5);
    expect((await commit(orderId))?.userErrors).toEqual([expect.objectContaining({ code: "RESERVATION_EXPIRED" })]);
    expect(await sweepExpiredReservations(products.db)).toBeGreaterThanOrEqual(1);
    expect((await products.db.stockReservation.findFirstOrThrow({ where: { orderId } })).status).toBe("RELEASED");
    expect((await commit(orderId))?.userErrors).toEqual([expect.objectContaining({ code: "RESERVATION_EXPIRED" })]);
    expect(await stockOf(product!.id)).toBe(5);
  });

  it("a retried reserve re-takes an expired reservation while the stock is there, and refuses once it is gone", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 3 }]);
    const [first, second] = [randomUUID(), randomUUID()];
    const lines = [{ productId: product!.id, quantity: 2 }];
    await reserve(first, lines);
    await expire(first);
    expect(await reserve(first, lines)).toEqual(OK);
    expect(await available(product!.id)).toBe(1);
    expect(await commit(first)).toEqual(OK);
    await reserve(second, [{ productId: product!.id, quantity: 1 }]);
    await expire(second);
    await adjustStockTo(product!.id, 1);
    await reserve(randomUUID(), [{ productId: product!.id, quantity: 1 }]);
    expect((await reserve(second, [{ productId: product!.id, quantity: 1 }]))?.userErrors).toEqual([
      expect.objectContaining({ code: "OUT_OF_STOCK" }),
    ]);
  });

  const adjustStockTo = (id: string, stock: number) => products.db.product.update({ where: { id }, data: { stock } });
});

describe("authorization of the service mutations", () => {
  const calls = [
    `mutation($o: ID!, $p: ID!) { reserveStock(orderId: $o, lines: [{ productId: $p, quantity: 1 }]) ${PAYLOAD} }`,
    `mutation($o: ID!) { commitStock(orderId: $o) ${PAYLOAD} }`,
    `mutation($o: ID!) { releaseStock(orderId: $o) ${PAYLOAD} }`,
  ];

  it("refuses admins, customers and anonymous callers (through the gateway's credential) and wrong service tokens with FORBIDDEN, changing nothing", async () => {
    const [product] = await insertProducts(products.db, [{ stock: 5 }]);
    const orderId = randomUUID();
    const callers = [
      { token: world.tokens.admin },
      { token: world.tokens.customer },
      {},
      { headers: { "x-service-token": "x".repeat(48) } },
    ];
    for (const caller of callers) {
      for (const query of calls) {
        const res = await products.query(query, { variables: { o: orderId, p: product!.id }, ...caller });
        // The gateway's credential gets in but never unlocks service-only fields; a wrong one does not get in (403).
        const status = caller.headers ? 403 : 200;
        expect({ query, status: res.status, code: res.errors?.[0]?.extensions?.code, data: res.data ?? null }).toEqual({
          query,
          status,
          code: "FORBIDDEN",
          data: null,
        });
      }
    }
    expect(await products.db.stockReservation.count({ where: { orderId } })).toBe(0);
  });

  it("is refused at the door with another instance's token (without SERVICE_TOKEN only the development default is accepted)", async () => {
    // A second instance over the same database; the embedded fallback serves one connection at a
    // time, so there it gets a database of its own (the header still carries this world's token).
    const own = REAL_POSTGRES ? undefined : await provisionProductsWorld();
    const bare = await startTestProducts(own ?? world, { SERVICE_TOKEN: undefined });
    try {
      const res = await bare.query(`mutation { releaseStock(orderId: "${randomUUID()}") { ok } }`, {
        headers: { "x-service-token": world.serviceToken },
      });
      expect([res.status, res.errors?.[0]?.extensions?.code]).toEqual([403, "FORBIDDEN"]);
    } finally {
      await bare.close();
      await own?.close();
    }
  });
});
