import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRng } from "@shopgraph/fixtures";
import type { GqlResponse } from "@shopgraph/testing";
import type { FakeProduct } from "./fake-products.ts";
import { startTestOrders, type TestOrders } from "./harness.ts";
import { measure, SETTLED } from "./invariants.ts";
import { CANCEL, orderInput, PLACE_ORDER } from "./operations.ts";

const rng = createRng("orders:invariants");
const catalog: FakeProduct[] = Array.from({ length: 20 }, (_, i) => ({
  id: randomUUID(),
  title: `Product ${i}`,
  priceMinor: BigInt(rng.int(100, 20_000)),
  currencyCode: "USD",
  archived: false,
  // Scarce on purpose: many checkouts must run out of stock.
  stock: rng.int(10, 40),
}));
const initialStock = new Map(catalog.map((p) => [p.id, p.stock]));
const TOKENS = [
  "tok_visa",
  "tok_visa",
  "tok_visa",
  "tok_visa",
  "tok_visa",
  "tok_mastercard",
  "tok_mastercard",
  "tok_chargeDeclined",
  "tok_insufficientFunds",
  "tok_unknown",
];

let orders: TestOrders;
beforeAll(async () => {
  // Every provider call fails 10% of the time (timeouts and 5xx, before or after acting).
  orders = await startTestOrders({
    seed: false,
    catalog,
    env: { PAYMENT_FAILURE_RATE: "0.1", IDEMPOTENCY_WAIT_MS: "3000" },
  });
});
afterAll(() => orders?.close());

describe("conservation laws under concurrency, declines, cancellations and provider faults", () => {
  it("holds stock and money after 200 concurrent operations and a recovery sweep", async () => {
    const customers = await Promise.all(Array.from({ length: 4 }, async () => orders.tokens.customer(randomUUID())));
    const placements: {
      key: string;
      token: string;
      input: ReturnType<typeof orderInput>;
      done: Promise<GqlResponse>;
    }[] = [];
    const operations: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      const roll = rng.next();
      if (roll < 0.2 && placements.length > 0) {
        // Cancel an order placed earlier in the storm, as soon as it settles.
        const target = rng.pick(placements);
        operations.push(
          target.done.then((res) => {
            const id = res.data?.placeOrder?.order?.id as string | undefined;
            return id ? orders.query(CANCEL, { id }, target.token) : undefined;
          }),
        );
      } else if (roll < 0.3 && placements.length > 0) {
        // A client retry with the same key while the first attempt may still be running.
        const target = rng.pick(placements);
        operations.push(orders.query(PLACE_ORDER, { input: target.input, key: target.key }, target.token));
      } else {
        const products = rng.shuffle(catalog).slice(0, rng.int(1, 3));
        const input = orderInput(
          products.map((p) => ({ productId: p.id, quantity: rng.int(1, 4) })),
          rng.pick(TOKENS),
        );
        const placement = {
          key: randomUUID(),
          token: rng.pick(customers),
          input,
          done: Promise.resolve({} as GqlResponse),
        };
        placement.done = orders.query(PLACE_ORDER, { input, key: placement.key }, placement.token);
        placements.push(placement);
        operations.push(placement.done);
      }
    }
    const results = (await Promise.all(operations)) as (GqlResponse | undefined)[];

    // Faults leave some sagas unfinished; the sweep (itself hit by faults) settles them all.
    for (
      let sweep = 0;
      sweep < 30 && (await orders.db.order.count({ where: { sagaStep: { not: null } } })) > 0;
      sweep++
    ) {
      await orders.recover({ olderThanMs: 0 });
    }

    const m = await measure(orders, initialStock);
    expect(m).toMatchObject(SETTLED);
    expect(m.netCaptured).toBe(m.soldTotal);
    expect(m.capturedPayments).toBe(m.soldTotal);

    // Each order was charged at most once, and kept money only if sold.
    const charges = await orders.db.providerCharge.findMany();
    const statuses = new Map(
      (await orders.db.order.findMany({ select: { id: true, status: true } })).map((o) => [o.id, o.status]),
    );
    for (const charge of charges) {
      const kept = charge.capturedMinor - charge.refundedMinor;
      const sold = ["PAID", "SHIPPED", "DELIVERED"].includes(statuses.get(charge.orderId) ?? "");
      expect({ order: charge.orderId, kept: kept > 0n }).toEqual({ order: charge.orderId, kept: sold });
    }
    const numbers = await orders.db.order.findMany({ select: { number: true } });
    expect(new Set(numbers.map((n) => n.number)).size).toBe(numbers.length);

    // The storm really exercised every path.
    const codes = new Set(
      results.flatMap((r) => (r?.data?.placeOrder?.userErrors ?? []).map((e: { code: string }) => e.code)),
    );
    expect([...codes]).toEqual(expect.arrayContaining(["OUT_OF_STOCK", "CARD_DECLINED", "INSUFFICIENT_FUNDS"]));
    const byStatus = await orders.db.order.groupBy({ by: ["status"], _count: true });
    expect(byStatus.map((s) => s.status)).toEqual(expect.arrayContaining(["PAID", "PAYMENT_FAILED", "CANCELLED"]));
  });
});
