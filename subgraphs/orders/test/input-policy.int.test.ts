import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buyableProducts, startTestOrders, type TestOrders } from "./harness.ts";
import { orderInput, PLACE_ORDER } from "./operations.ts";

let orders: TestOrders;
beforeAll(async () => {
  orders = await startTestOrders();
});
afterAll(() => orders?.close());

const product = buyableProducts[0]!;
const place = async (key: string, paymentToken = "tok_visa") => {
  const input = orderInput([{ productId: product.id, quantity: 1 }], paymentToken);
  return orders.query(PLACE_ORDER, { input, key }, await orders.tokens.customer());
};
/** What a refused request must leave untouched: orders, key records, provider charges and stock. */
const footprint = async () => [
  await orders.db.order.count(),
  await orders.db.idempotencyRecord.count(),
  await orders.db.providerCharge.count(),
  orders.products.stockOf(product.id),
];

describe("idempotency keys have a format: 8–128 characters of A–Z a–z 0–9 . _ : -", () => {
  it.each([
    ["one space", " "],
    ["too short", "abc1234"],
    ["too long", "k".repeat(129)],
    ["whitespace inside", "cart 42 attempt 1"],
    ["a control character", "cart-42\tattempt-1"],
    ["non-ASCII", "cart-42-äöü-attempt"],
    ["a slash", "cart/42/attempt-1"],
  ])("refuses %s: BAD_USER_INPUT on idempotencyKey, nothing stored, charged or reserved", async (_what, key) => {
    const before = await footprint();
    const res = await place(key);
    expect(res.status).toBe(200);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: ["idempotencyKey"] });
    expect(res.data?.placeOrder ?? null).toBeNull();
    expect(await footprint()).toEqual(before);
  });

  it.each([randomUUID(), "01HZX3K9Q8W7E6R5T4Y3U2I1O0", "cart-42:attempt_1.v2", "k".repeat(128), "abcd1234"])(
    "accepts %s",
    async (key) => {
      const res = await place(key);
      expect(res.errors).toBeUndefined();
      expect(res.data?.placeOrder).toMatchObject({ order: { status: "PAID" }, userErrors: [] });
    },
  );
});

describe("payment tokens are capped at 255 printable characters", () => {
  it.each([
    ["a 10 KB token", "tok_".padEnd(10 * 1024, "x")],
    ["a 256-character token", "t".repeat(256)],
    ["an empty token", ""],
    ["a token with spaces", "tok visa"],
    ["a token with a newline", "tok_visa\n"],
  ])("refuses %s: userError INVALID_PAYMENT_TOKEN, nothing stored, charged or reserved", async (_what, token) => {
    const before = await footprint();
    const key = randomUUID();
    const res = await place(key, token);
    expect(res.status).toBe(200);
    const refused = { code: "INVALID_PAYMENT_TOKEN", field: ["input", "paymentToken"], message: expect.any(String) };
    expect(res.data?.placeOrder).toEqual({ order: null, userErrors: [refused] });
    expect(await footprint()).toEqual(before);
    // A validation failure keeps the key free: the corrected request goes through with it.
    expect((await place(key)).data?.placeOrder.order.status).toBe("PAID");
  });

  it("accepts a 255-character token (the simulated provider then declines what it does not know)", async () => {
    const res = await place(randomUUID(), "t".repeat(255));
    expect(res.data?.placeOrder.userErrors.map((e: { code: string }) => e.code)).not.toContain("INVALID_PAYMENT_TOKEN");
  });
});
