import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDatabase, withDatabase } from "@shopgraph/db";
import { createTestIssuer, gql, startPrivatePostgres, testLogger } from "@shopgraph/testing";
import type { GqlResponse, PrivatePostgres } from "@shopgraph/testing";
import { startProductsSubgraph, type ProductsSubgraph } from "../../products/src/app.ts";
import { loadProductsConfig } from "../../products/src/config.ts";
import { startOrdersSubgraph, type OrdersSubgraph } from "../src/app.ts";
import { loadOrdersConfig } from "../src/config.ts";
import { buyableProducts } from "./harness.ts";
import { orderInput, PLACE_ORDER } from "./operations.ts";

// Issue #12, "a fault suite that stays": the checks that held already keep being checked on a
// PostgreSQL this file owns and restarts. Both orders' and products' databases live on it; products
// is the real subgraph over real HTTP, so its stock is the ledger that proves each paid order took
// its stock once. A commitStock that products refuses with 503 after the charge is an outage too
// (SERVICE_UNAVAILABLE, retryable), and the saga is left for the recovery sweep.

/** Codes a placeOrder may fail with while the database is away: retryable outages, never INTERNAL_SERVER_ERROR. */
const OUTAGE_CODES = ["SERVICE_UNAVAILABLE", "SUBGRAPH_UNAVAILABLE"];
const TERMINAL = ["PAID", "PAYMENT_FAILED", "CANCELLED"];
/** Where a checkout of a valid card ends once the restart is over. */
const SETTLED = ["PAID", "PAYMENT_FAILED"];

let pg: PrivatePostgres;
let products: ProductsSubgraph;
let orders: OrdersSubgraph;
let issuer: Awaited<ReturnType<typeof createTestIssuer>>;
let graphqlUrl: string;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  pg = await startPrivatePostgres();
  closers.push(() => pg.close());
  await ensureDatabase(pg.url, "orders");
  // Products on the same server: the restart also cuts stock commits after a charge (an outage, retryable).
  await ensureDatabase(pg.url, "products");
  const productsDb = { url: withDatabase(pg.url, "products") };
  // Events stay in the outboxes (this file is about the subgraphs' own writes): pushed to the discard port,
  // never to the default notifications on 4004, which may be someone else's.
  const common = { NODE_ENV: "test", PORT: "0", DATABASE_POOL_MAX: "5", EVENTS_PUSH_URLS: "http://127.0.0.1:9/events" };
  const productsConfig = loadProductsConfig({ ...common, DATABASE_URL: productsDb.url, SEED: "true" });
  issuer = await createTestIssuer({ issuer: productsConfig.JWT_ISSUER, audience: productsConfig.JWT_AUDIENCE });
  products = await startProductsSubgraph(productsConfig, { logger: testLogger("products"), jwks: issuer.jwks });
  closers.push(() => products.close());
  // Orders migrates its database at start (MIGRATE_ON_START), as in production.
  const ordersConfig = loadOrdersConfig({
    ...common,
    DATABASE_URL: withDatabase(pg.url, "orders"),
    SEED: "false",
    PRODUCTS_URL: `${products.url}/graphql`,
    // Each provider call takes 40 ms, so the restart finds checkouts between their steps.
    PAYMENT_LATENCY_MS: "40",
    // Sagas the restart interrupted are taken over soon after it (the sweep claims them compare-and-set).
    RECOVERY_AGE_MS: "1500",
    RECOVERY_INTERVAL_MS: "500",
  });
  orders = await startOrdersSubgraph(ordersConfig, { logger: testLogger("orders"), jwks: issuer.jwks });
  closers.push(() => orders.close());
  graphqlUrl = `${orders.url}/graphql`;
  // Plenty of stock: the load must never run out, so every checkout can end PAID.
  await products.db.product.updateMany({
    where: { id: { in: buyableProducts.map((p) => p.id) } },
    data: { stock: 100_000 },
  });
}, 120_000);
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
});

const customerToken = (sub: string) => issuer.sign({ sub, role: "CUSTOMER" });
const place = (input: unknown, key: string, token: string) =>
  gql(graphqlUrl, PLACE_ORDER, { variables: { input, key }, token });
const stockOf = async (id: string) => (await products.db.product.findUniqueOrThrow({ where: { id } })).stock;

/** How one placeOrder ended, as the client saw it. */
type Outcome =
  | { kind: "order"; id: string; status: string; userErrors: string[]; errorCodes: string[] }
  | { kind: "userError"; codes: string[] }
  | { kind: "error"; httpStatus: number; codes: string[]; errors: GqlResponse["errors"] };

/** An order in the answer is an acknowledgement; otherwise any GraphQL error decides (a null `order` may be a failed field). */
function outcomeOf(res: GqlResponse): Outcome {
  type Payload = { order: { id: string; status: string } | null; userErrors: { code: string }[] } | null | undefined;
  const payload = res.data?.placeOrder as Payload;
  const errorCodes = (res.errors ?? []).map((e) => String(e.extensions?.code));
  if (payload?.order) {
    const { id, status } = payload.order;
    return { kind: "order", id, status, userErrors: payload.userErrors.map((e) => e.code), errorCodes };
  }
  if (payload && !res.errors) return { kind: "userError", codes: payload.userErrors.map((e) => e.code) };
  return { kind: "error", httpStatus: res.status, codes: errorCodes, errors: res.errors };
}

describe("orders on a PostgreSQL that restarts", () => {
  it("50 concurrent identical placeOrder calls: one order, one charge, stock taken once", async () => {
    const product = buyableProducts[0]!;
    const customerId = randomUUID();
    const token = await customerToken(customerId);
    const key = randomUUID();
    const input = orderInput([{ productId: product.id, quantity: 3 }]);
    const stock = await stockOf(product.id);
    const results = await Promise.all(Array.from({ length: 50 }, () => place(input, key, token)));
    expect(results.map((r) => r.errors)).toEqual(Array(50).fill(undefined));
    const ids = new Set(results.map((r) => r.data?.placeOrder.order?.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as [string];
    expect(
      results.every((r) => r.data?.placeOrder.order.status === "PAID" && r.data.placeOrder.userErrors.length === 0),
    ).toBe(true);
    expect(await orders.db.order.count({ where: { customerId } })).toBe(1);
    expect(await orders.db.providerCharge.count({ where: { orderId: id } })).toBe(1);
    expect(await orders.db.payment.count({ where: { orderId: id, status: "CAPTURED" } })).toBe(1);
    expect(await stockOf(product.id)).toBe(stock - 3);
    expect(await products.db.stockReservation.count({ where: { orderId: id, status: "COMMITTED" } })).toBe(1);
  }, 30_000);

  it("a restart under a steady placeOrder load loses no acknowledged order and doubles no charge or stock", async () => {
    const customerId = randomUUID();
    const token = await customerToken(customerId);
    const catalog = buyableProducts.slice(1, 4);
    const stockBefore = new Map(await Promise.all(catalog.map(async (p) => [p.id, await stockOf(p.id)] as const)));
    const attempts: { key: string; input: ReturnType<typeof orderInput>; outcome: Outcome; during: boolean }[] = [];
    let restarting = false;
    let stopped = false;
    let n = 0;
    const client = async () => {
      while (!stopped) {
        const i = n++;
        const input = orderInput([{ productId: catalog[i % catalog.length]!.id, quantity: 1 + (i % 2) }]);
        const key = randomUUID();
        const during = restarting;
        const outcome = outcomeOf(await place(input, key, token));
        attempts.push({ key, input, outcome, during: during || restarting });
      }
    };
    const load = Promise.all([client(), client(), client()]);
    await sleep(2_000);
    restarting = true;
    const restartStarted = performance.now();
    // A crash without checkpoint: every connection is cut mid-transaction, the server recovers from its WAL.
    await pg.restart("immediate");
    const restartMs = Math.round(performance.now() - restartStarted);
    await sleep(1_000); // the first requests after the restart meet the pools' broken connections
    restarting = false;
    await sleep(3_000);
    stopped = true;
    await load;

    const acknowledged = attempts.filter((a) => a.outcome.kind === "order");
    const failed = attempts.filter((a) => a.outcome.kind !== "order");
    const duringOk = attempts.filter((a) => a.during && a.outcome.kind === "order").length;
    const duringFailed = attempts.filter((a) => a.during && a.outcome.kind !== "order").length;
    const failureCodes = failed.flatMap((a) => (a.outcome.kind === "order" ? [] : a.outcome.codes));
    console.log(
      `pg restart took ${restartMs} ms; ${attempts.length} placeOrder calls: ${acknowledged.length} with an order, ` +
        `${failed.length} failed (around the restart: ${duringOk} ok, ${duringFailed} failed); ` +
        `failure codes: ${JSON.stringify(countBy(failureCodes))}`,
    );
    // The load did run on both sides of the restart, and the restart did break something.
    expect(attempts.filter((a) => !a.during && a.outcome.kind === "order").length).toBeGreaterThan(10);
    expect(attempts.filter((a) => a.during).length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);

    // Failures are coded and retryable, never a bug-looking 500 (not even beside an acknowledged order). A field
    // read after the commit (the order's payment, nullable) can meet the restart: the order is acknowledged with
    // an outage code on that field, and retrying with its key must answer the same order in full (below).
    const partial = acknowledged.filter((a) => a.outcome.kind === "order" && a.outcome.errorCodes.length > 0);
    for (const attempt of partial) {
      const outcome = attempt.outcome as Extract<Outcome, { kind: "order" }>;
      expect(OUTAGE_CODES, JSON.stringify(outcome)).toEqual(expect.arrayContaining(outcome.errorCodes));
    }
    for (const attempt of failed) {
      const outcome = attempt.outcome as Exclude<Outcome, { kind: "order" }>;
      expect(outcome.codes.length, JSON.stringify(outcome)).toBeGreaterThan(0);
      expect(outcome.codes, JSON.stringify(outcome)).not.toContain("INTERNAL_SERVER_ERROR");
      if (outcome.kind === "error") expect(OUTAGE_CODES).toEqual(expect.arrayContaining(outcome.codes));
    }

    // Retrying each failed call with its key settles it: IN_USE or an outage only while the sweep is still at it.
    const settled = new Map<string, Extract<Outcome, { kind: "order" }>>();
    const retryStarted = Date.now();
    for (const attempt of [...failed, ...partial]) {
      let outcome = outcomeOf(await place(attempt.input, attempt.key, token));
      while (isTransient(outcome) && Date.now() < retryStarted + 20_000) {
        await sleep(250);
        outcome = outcomeOf(await place(attempt.input, attempt.key, token));
      }
      // Settled means an order in a final state: PAID, or PAYMENT_FAILED when the restart cut the checkout
      // before the provider recorded a charge (recovery then voids it rather than guess; see settleUnknownCharge).
      expect(outcome, `${attempt.key}: ${JSON.stringify(outcome)}`).toMatchObject({ kind: "order", errorCodes: [] });
      const order = outcome as Extract<Outcome, { kind: "order" }>;
      if (attempt.outcome.kind === "order") expect(order.id, attempt.key).toBe(attempt.outcome.id);
      expect(SETTLED).toContain(order.status);
      expect(order.userErrors, attempt.key).toEqual(order.status === "PAID" ? [] : ["PAYMENT_FAILED"]);
      settled.set(attempt.key, order);
    }
    const voided = [...settled.values()].filter((o) => o.status === "PAYMENT_FAILED").length;
    console.log(
      `retried ${failed.length} failed and ${partial.length} partial calls with their keys: settled within ` +
        `${Date.now() - retryStarted} ms, ${voided} voided`,
    );

    // Every acknowledged order exists with the status the client was told (or, if it was told PENDING, settled since).
    const rows = await orders.db.order.findMany({ where: { customerId }, include: { lines: true, payments: true } });
    const byId = new Map(rows.map((o) => [o.id, o]));
    for (const attempt of acknowledged) {
      const told = attempt.outcome as Extract<Outcome, { kind: "order" }>;
      const row = byId.get(told.id);
      expect(row, `acknowledged order ${told.id} is missing`).toBeDefined();
      if (TERMINAL.includes(told.status)) expect(row!.status).toBe(told.status);
      else expect(TERMINAL).toContain(row!.status);
    }
    // One order per key, no more: the retries replayed (or, where no order had been kept, placed it once).
    const acknowledgedIds = acknowledged.map((a) => (a.outcome as Extract<Outcome, { kind: "order" }>).id);
    expect(new Set([...acknowledgedIds, ...[...settled.values()].map((o) => o.id)]).size).toBe(attempts.length);
    expect(rows).toHaveLength(attempts.length);
    for (const [key, order] of settled) expect(byId.get(order.id)?.status, key).toBe(order.status);
    expect(
      rows.filter((o) => !SETTLED.includes(o.status)),
      JSON.stringify(countBy(rows.map((o) => o.status))),
    ).toEqual([]);

    // No order was charged twice: a PAID order has one captured payment and one provider charge captured
    // for its total; a failed one kept no money (nothing captured, or all of it refunded).
    const charges = await orders.db.providerCharge.findMany({ where: { orderId: { in: rows.map((o) => o.id) } } });
    const chargeOf = new Map(charges.map((c) => [c.orderId, c]));
    for (const order of rows) {
      const captured = order.payments.filter((p) => p.status === "CAPTURED");
      const charge = chargeOf.get(order.id);
      if (order.status === "PAID") {
        expect(captured, order.id).toHaveLength(1);
        expect(charge, order.id).toMatchObject({
          status: "CAPTURED",
          capturedMinor: order.totalMinor,
          refundedMinor: 0n,
        });
      } else {
        expect(captured, order.id).toEqual([]);
        expect((charge?.capturedMinor ?? 0n) - (charge?.refundedMinor ?? 0n), order.id).toBe(0n);
      }
    }

    // Each PAID order's stock was taken exactly once: its lines committed once, the stock down by their sum;
    // a failed order holds and took nothing.
    const reservations = await products.db.stockReservation.findMany({
      where: { orderId: { in: rows.map((o) => o.id) } },
    });
    const paid = rows.filter((o) => o.status === "PAID");
    const paidIds = new Set(paid.map((o) => o.id));
    expect(
      reservations
        .filter((r) => r.status === "COMMITTED")
        .map((r) => r.orderId)
        .sort(),
    ).toEqual(paid.flatMap((o) => o.lines.map(() => o.id)).sort());
    expect(reservations.filter((r) => !paidIds.has(r.orderId) && r.status !== "RELEASED")).toEqual([]);
    for (const product of catalog) {
      const sold = paid
        .flatMap((o) => o.lines)
        .filter((l) => l.productId === product.id)
        .reduce((sum, l) => sum + l.quantity, 0);
      expect(await stockOf(product.id), product.id).toBe(stockBefore.get(product.id)! - sold);
    }
  }, 60_000);
});

/** Still in progress or still unreachable: worth another try with the same key. */
function isTransient(outcome: Outcome): boolean {
  if (outcome.kind === "error") return true;
  if (outcome.kind === "order" && outcome.errorCodes.length > 0) return true;
  const codes = outcome.kind === "userError" ? outcome.codes : outcome.userErrors;
  return codes.includes("IDEMPOTENCY_KEY_IN_USE") || (outcome.kind === "order" && outcome.status === "PENDING");
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
