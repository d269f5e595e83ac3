import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyableProducts, otherCustomer, startTestOrders, type TestOrders } from "./harness.ts";
import { ADDRESS, orderInput, PLACE_ORDER } from "./operations.ts";

let orders: TestOrders;
// Slow payments keep the first attempt running while its duplicates arrive.
beforeAll(async () => {
  orders = await startTestOrders({ env: { PAYMENT_LATENCY_MS: "150", IDEMPOTENCY_WAIT_MS: "20000" } });
});
afterAll(() => orders?.close());

const product = buyableProducts[0]!;
const input = (quantity = 1, token = "tok_visa") => orderInput([{ productId: product.id, quantity }], token);
const place = async (body: unknown, key: string, token?: string) =>
  orders.query(PLACE_ORDER, { input: body, key }, token ?? (await orders.tokens.customer()));
const chargesOf = (orderId: string) => orders.db.providerCharge.count({ where: { orderId } });

describe("idempotency keys", () => {
  it("replays the same order for a retry with the same key and input, without charging again", async () => {
    const key = randomUUID();
    const first = await place(input(2), key);
    const stock = orders.products.stockOf(product.id);
    const retry = await place(input(2), key);
    expect(retry.data?.placeOrder).toEqual(first.data?.placeOrder);
    expect(first.data?.placeOrder.order.status).toBe("PAID");
    expect(await chargesOf(first.data?.placeOrder.order.id)).toBe(1);
    expect(orders.products.stockOf(product.id)).toBe(stock);
    expect(
      orders.products.calls.filter(
        (c) => c.operation === "reserveStock" && c.orderId === first.data?.placeOrder.order.id,
      ),
    ).toHaveLength(1);
  });

  it("treats reordered fields and an absent vs null optional field as the same input (canonical JSON)", async () => {
    const key = randomUUID();
    const first = await place(
      {
        paymentToken: "tok_visa",
        shippingAddress: { ...ADDRESS, line2: null },
        lines: [{ quantity: 1, productId: product.id }],
      },
      key,
    );
    const retry = await place(input(1), key);
    expect(retry.data?.placeOrder.order.id).toBe(first.data?.placeOrder.order.id);
  });

  it("replays failures too: a declined attempt stays declined, an out-of-stock one stays out of stock", async () => {
    const key = randomUUID();
    const declined = await place(input(1, "tok_chargeDeclined"), key);
    const again = await place(input(1, "tok_chargeDeclined"), key);
    expect(again.data?.placeOrder).toEqual(declined.data?.placeOrder);
    expect(again.data?.placeOrder.userErrors[0].code).toBe("CARD_DECLINED");
    expect(await chargesOf(declined.data?.placeOrder.order.id)).toBe(1);

    const scarce = buyableProducts[1]!;
    orders.products.update(scarce.id, { stock: 0 });
    const oosKey = randomUUID();
    const oos = await place(orderInput([{ productId: scarce.id, quantity: 1 }]), oosKey);
    orders.products.update(scarce.id, { stock: 50 });
    const replay = await place(orderInput([{ productId: scarce.id, quantity: 1 }]), oosKey);
    expect(replay.data?.placeOrder).toEqual(oos.data?.placeOrder);
    expect(replay.data?.placeOrder.userErrors[0].code).toBe("OUT_OF_STOCK");
  });

  it("refuses the same key with a different input: IDEMPOTENCY_KEY_REUSED, nothing else happens", async () => {
    const key = randomUUID();
    const first = await place(input(1), key);
    for (const other of [
      input(2),
      input(1, "tok_mastercard"),
      orderInput([{ productId: product.id, quantity: 1 }], "tok_visa", { ...ADDRESS, city: "Leeds" }),
    ]) {
      const res = await place(other, key);
      expect(res.data?.placeOrder).toEqual({
        order: null,
        userErrors: [expect.objectContaining({ code: "IDEMPOTENCY_KEY_REUSED", field: ["idempotencyKey"] })],
      });
    }
    expect(await orders.db.order.count({ where: { id: first.data?.placeOrder.order.id } })).toBe(1);
  });

  it("scopes keys to the customer: another customer's identical key is a separate order", async () => {
    const key = randomUUID();
    const mine = await place(input(1), key);
    const theirs = await place(input(1), key, await orders.tokens.customer(otherCustomer.id));
    expect(theirs.data?.placeOrder.order.id).not.toBe(mine.data?.placeOrder.order.id);
    expect(theirs.data?.placeOrder.order.customer.id).toBe(otherCustomer.id);
  });

  it("50 concurrent identical requests create exactly one order and one charge", async () => {
    const key = randomUUID();
    const token = await orders.tokens.customer();
    const ordersBefore = await orders.db.order.count();
    const stock = orders.products.stockOf(product.id);
    const results = await Promise.all(Array.from({ length: 50 }, () => place(input(3), key, token)));
    const ids = new Set(results.map((r) => r.data?.placeOrder.order?.id));
    expect(results.map((r) => r.errors)).toEqual(Array(50).fill(undefined));
    expect(ids.size).toBe(1);
    const [id] = [...ids] as [string];
    expect(
      results.every((r) => r.data?.placeOrder.order.status === "PAID" && r.data.placeOrder.userErrors.length === 0),
    ).toBe(true);
    expect(await orders.db.order.count()).toBe(ordersBefore + 1);
    expect(await chargesOf(id)).toBe(1);
    expect(orders.products.stockOf(product.id)).toBe(stock - 3);
    expect(
      await orders.db.outboxEvent.count({
        where: { type: "order.confirmed", payload: { path: ["orderId"], equals: id } },
      }),
    ).toBe(1);
  });

  it("lets concurrent requests with one key and different inputs produce one order; the rest are REUSED", async () => {
    const key = randomUUID();
    const token = await orders.tokens.customer();
    const results = await Promise.all([1, 2, 3, 4, 5].map((q) => place(input(q), key, token)));
    const winners = results.filter((r) => r.data?.placeOrder.order);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.data?.placeOrder.userErrors[0]?.code === "IDEMPOTENCY_KEY_REUSED")).toHaveLength(4);
  });

  it("forgets keys after 24 hours: the key then starts a new order", async () => {
    const key = randomUUID();
    const first = await place(input(1), key);
    await orders.db.idempotencyRecord.updateMany({ where: { key }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const later = await place(input(2), key);
    expect(later.data?.placeOrder.userErrors).toEqual([]);
    expect(later.data?.placeOrder.order.id).not.toBe(first.data?.placeOrder.order.id);
    const record = await orders.db.idempotencyRecord.findFirstOrThrow({ where: { key } });
    expect(record.expiresAt.getTime() - Date.now()).toBeGreaterThan(23 * 3600_000);
  });

  it("the recovery sweep deletes expired keys", async () => {
    const key = randomUUID();
    await place(input(1), key);
    await orders.db.idempotencyRecord.updateMany({ where: { key }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const report = await orders.recover();
    expect(report.expiredKeys).toBeGreaterThanOrEqual(1);
    expect(await orders.db.idempotencyRecord.count({ where: { key } })).toBe(0);
  });
});
