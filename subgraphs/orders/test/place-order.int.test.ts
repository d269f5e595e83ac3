import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCustomer, seedOrders, seedProducts } from "@shopgraph/fixtures";
import type { CrashPoint } from "../src/domain/checkout-deps.ts";
import { buyableProducts, startTestOrders, type TestOrders } from "./harness.ts";
import { ADDRESS, ORDER_FIELDS, orderInput, PLACE_ORDER } from "./operations.ts";

let orders: TestOrders;
let onStep: ((point: CrashPoint, orderId: string) => void) | undefined;
/** SQL the requests sent (the outbox relay polls on the same client in the background: left out). */
const statements: string[] = [];
beforeAll(async () => {
  orders = await startTestOrders({
    deps: {
      hooks: { beforeStep: (point, id) => onStep?.(point, id) },
      onQuery: (sql) => !sql.includes('"OutboxEvent"') && statements.push(sql),
    },
  });
});
afterAll(() => orders?.close());

const [p1, p2, p3] = buyableProducts as [
  (typeof buyableProducts)[number],
  (typeof buyableProducts)[number],
  (typeof buyableProducts)[number],
];
const archived = seedProducts.find((p) => p.archived)!;
const place = async (input: unknown, key: string = randomUUID(), token?: string) =>
  orders.query(PLACE_ORDER, { input, key }, token ?? (await orders.tokens.customer()));
const minor = (amount: string) => BigInt(amount.replace(".", ""));

describe("placeOrder: the happy path", () => {
  it("reserves, charges and confirms: PAID, snapshots, committed stock, captured money and order.confirmed", async () => {
    const before = [orders.products.stockOf(p1.id), orders.products.stockOf(p2.id)];
    const res = await place(
      orderInput([
        { productId: p1.id, quantity: 2 },
        { productId: p2.id, quantity: 1 },
      ]),
    );
    expect(res.data?.placeOrder.userErrors).toEqual([]);
    const order = res.data?.placeOrder.order;
    // The seed holds numbers 1..13 and moved the sequence past them.
    expect(order.number).toMatch(/^SG-\d{6}$/);
    expect(Number(order.number.slice(3))).toBeGreaterThan(seedOrders.length);
    expect(order).toMatchObject({
      status: "PAID",
      customer: { id: seedCustomer.id },
      shippingAddress: { ...ADDRESS, line2: null },
      trackingNumber: null,
    });
    expect(order.items).toEqual([
      {
        product: { id: p1.id },
        title: p1.title,
        quantity: 2,
        unitPrice: { amount: expect.any(String), currencyCode: "USD" },
        lineTotal: expect.any(Object),
      },
      {
        product: { id: p2.id },
        title: p2.title,
        quantity: 1,
        unitPrice: expect.any(Object),
        lineTotal: expect.any(Object),
      },
    ]);
    expect(minor(order.items[0].unitPrice.amount)).toBe(p1.priceMinor);
    const total = p1.priceMinor * 2n + p2.priceMinor;
    expect(minor(order.total.amount)).toBe(total);
    expect(order.subtotal).toEqual(order.total);
    expect(order.payment).toMatchObject({ status: "CAPTURED", failureReason: null });
    expect(minor(order.payment.amount.amount)).toBe(total);

    expect([orders.products.stockOf(p1.id), orders.products.stockOf(p2.id)]).toEqual([before[0]! - 2, before[1]! - 1]);
    expect(orders.products.reservationOf(order.id)?.state).toBe("COMMITTED");
    const charge = await orders.db.providerCharge.findUniqueOrThrow({ where: { orderId: order.id } });
    expect(charge).toMatchObject({ status: "CAPTURED", capturedMinor: total, refundedMinor: 0n });
    expect((await orders.db.order.findUniqueOrThrow({ where: { id: order.id } })).sagaStep).toBeNull();

    const events = await orders.db.outboxEvent.findMany({ where: { type: "order.confirmed" } });
    const event = events.find((e) => (e.payload as { orderId: string }).orderId === order.id)!;
    expect(event).toMatchObject({ version: 1, publishedAt: null });
    expect(event.payload).toEqual({
      orderId: order.id,
      number: Number(order.number.slice(3)),
      customerId: seedCustomer.id,
      status: "PAID",
      total: order.total,
      lines: [
        { productId: p1.id, title: p1.title, quantity: 2 },
        { productId: p2.id, title: p2.title, quantity: 1 },
      ],
    });
  });

  it("keeps the title and price snapshot when the catalog changes later", async () => {
    const res = await place(orderInput([{ productId: p3.id, quantity: 1 }]));
    const id = res.data?.placeOrder.order.id;
    orders.products.update(p3.id, { title: "Renamed", priceMinor: 1n });
    const again = await orders.query(
      `query($id: ID!) { order(id: $id) { items { title unitPrice { amount } } } }`,
      { id },
      await orders.tokens.customer(),
    );
    expect(again.data?.order.items[0].title).toBe(p3.title);
    expect(minor(again.data?.order.items[0].unitPrice.amount)).toBe(p3.priceMinor);
    orders.products.update(p3.id, { title: p3.title, priceMinor: p3.priceMinor });
  });
});

describe("placeOrder answers from the rows its checkout wrote", () => {
  it.each([
    ["PAID", "tok_visa"],
    ["PAYMENT_FAILED", "tok_chargeDeclined"],
  ])(
    "%s: the same order, every field, as a later read and a replay of the key, without reading it back",
    async (status, token) => {
      const key = randomUUID();
      const input = orderInput(
        [
          { productId: p2.id, quantity: 1 },
          { productId: p3.id, quantity: 2 },
        ],
        token,
      );
      const customer = await orders.tokens.customer();
      statements.length = 0;
      const placed = await place(input, key, customer);
      const sent = [...statements];
      expect(placed.errors).toBeUndefined();
      const order = placed.data?.placeOrder.order;
      expect(order.status).toBe(status);
      // Every checkout statement writes (claim, create, saga steps, provider, ending): none reads the order back.
      expect(sent.filter((sql) => /^\s*SELECT\b/i.test(sql))).toEqual([]);
      const read = await orders.query(
        `query($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`,
        { id: order.id },
        customer,
      );
      expect(read.data?.order).toEqual(order);
      const replayed = await place(input, key, customer);
      expect(replayed.data?.placeOrder).toEqual(placed.data?.placeOrder);
    },
  );
});

describe("placeOrder: input validation (nothing stored, nothing reserved, nothing charged)", () => {
  const line = { productId: p1.id, quantity: 1 };
  it.each([
    ["no lines", orderInput([]), "INVALID_LINE", ["input", "lines"]],
    [
      "51 lines",
      orderInput(buyableProducts.slice(0, 51).map((p) => ({ productId: p.id, quantity: 1 }))),
      "INVALID_LINE",
      ["input", "lines"],
    ],
    ["quantity 0", orderInput([line, { productId: p2.id, quantity: 0 }]), "INVALID_LINE", ["input", "lines", "1"]],
    ["quantity 101", orderInput([{ productId: p2.id, quantity: 101 }]), "INVALID_LINE", ["input", "lines", "0"]],
    [
      "a duplicate product",
      orderInput([line, { productId: p2.id, quantity: 1 }, { ...line }]),
      "INVALID_LINE",
      ["input", "lines", "2"],
    ],
    [
      "a malformed product id",
      orderInput([{ productId: "not-a-uuid", quantity: 1 }]),
      "INVALID_LINE",
      ["input", "lines", "0"],
    ],
    [
      "an unknown product",
      orderInput([line, { productId: randomUUID(), quantity: 1 }]),
      "INVALID_LINE",
      ["input", "lines", "1"],
    ],
    [
      "an archived product",
      orderInput([{ productId: archived.id, quantity: 1 }]),
      "INVALID_LINE",
      ["input", "lines", "0"],
    ],
    [
      "an empty name",
      orderInput([line], "tok_visa", { ...ADDRESS, name: "   " }),
      "INVALID_ADDRESS",
      ["input", "shippingAddress", "name"],
    ],
    [
      "a 201-character line1",
      orderInput([line], "tok_visa", { ...ADDRESS, line1: "x".repeat(201) }),
      "INVALID_ADDRESS",
      ["input", "shippingAddress", "line1"],
    ],
    [
      "a 21-character postal code",
      orderInput([line], "tok_visa", { ...ADDRESS, postalCode: "1".repeat(21) }),
      "INVALID_ADDRESS",
      ["input", "shippingAddress", "postalCode"],
    ],
    [
      "control characters",
      orderInput([line], "tok_visa", { ...ADDRESS, city: "Lon\ndon" }),
      "INVALID_ADDRESS",
      ["input", "shippingAddress", "city"],
    ],
    [
      "an unknown country",
      orderInput([line], "tok_visa", { ...ADDRESS, country: "XX" }),
      "INVALID_ADDRESS",
      ["input", "shippingAddress", "country"],
    ],
    [
      "UK instead of GB",
      orderInput([line], "tok_visa", { ...ADDRESS, country: "UK" }),
      "INVALID_ADDRESS",
      ["input", "shippingAddress", "country"],
    ],
  ])("refuses %s", async (_name, input, code, field) => {
    const [ordersBefore, chargesBefore, stockBefore] = [
      await orders.db.order.count(),
      await orders.db.providerCharge.count(),
      orders.products.stockOf(p1.id),
    ];
    const key = randomUUID();
    const res = await place(input, key);
    expect(res.data?.placeOrder.order).toBeNull();
    expect(res.data?.placeOrder.userErrors).toContainEqual(expect.objectContaining({ code, field }));
    expect([
      await orders.db.order.count(),
      await orders.db.providerCharge.count(),
      orders.products.stockOf(p1.id),
    ]).toEqual([ordersBefore, chargesBefore, stockBefore]);
    // Failed validation stores no answer: the key stays free (Stripe semantics).
    expect(await orders.db.idempotencyRecord.count({ where: { key } })).toBe(0);
  });

  it("reports every invalid field at once and accepts a lower-case country", async () => {
    const res = await place(
      orderInput([{ productId: p1.id, quantity: 0 }], "tok_visa", { ...ADDRESS, name: "", city: "" }),
    );
    expect(res.data?.placeOrder.userErrors.map((e: { code: string }) => e.code).sort()).toEqual([
      "INVALID_ADDRESS",
      "INVALID_ADDRESS",
      "INVALID_LINE",
    ]);
    const ok = await place(
      orderInput([{ productId: p1.id, quantity: 1 }], "tok_visa", { ...ADDRESS, country: " gb " }),
    );
    expect(ok.data?.placeOrder.order.shippingAddress.country).toBe("GB");
  });

  it("refuses idempotency keys outside 8–128 characters of [A-Za-z0-9._:-] with BAD_USER_INPUT", async () => {
    for (const key of ["", " ", "k".repeat(7), "k".repeat(129), "k".repeat(256)]) {
      const res = await place(orderInput([{ productId: p1.id, quantity: 1 }]), key);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: ["idempotencyKey"] });
    }
  });

  it("requires a signed-in customer: anonymous is UNAUTHENTICATED, a bad token HTTP 401", async () => {
    const anonymous = await orders.query(PLACE_ORDER, {
      input: orderInput([{ productId: p1.id, quantity: 1 }]),
      key: "k",
    });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(anonymous.data?.placeOrder ?? null).toBeNull();
    const forged = await orders.query(
      PLACE_ORDER,
      { input: orderInput([{ productId: p1.id, quantity: 1 }]), key: "k" },
      "a.b.c",
    );
    expect(forged.status).toBe(401);
    expect(forged.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("placeOrder: expected failures", () => {
  it("OUT_OF_STOCK points at the line; nothing is reserved, stored or charged", async () => {
    const scarce = buyableProducts[10]!;
    orders.products.update(scarce.id, { stock: 1 });
    const [ordersBefore, chargesBefore] = [await orders.db.order.count(), await orders.db.providerCharge.count()];
    const res = await place(
      orderInput([
        { productId: p1.id, quantity: 1 },
        { productId: scarce.id, quantity: 2 },
      ]),
    );
    expect(res.data?.placeOrder).toEqual({
      order: null,
      userErrors: [expect.objectContaining({ code: "OUT_OF_STOCK", field: ["input", "lines", "1"] })],
    });
    expect(orders.products.stockOf(scarce.id)).toBe(1);
    expect([await orders.db.order.count(), await orders.db.providerCharge.count()]).toEqual([
      ordersBefore,
      chargesBefore,
    ]);
    expect(orders.products.heldUnits()).toBe(0);
  });

  it.each([
    ["tok_chargeDeclined", "CARD_DECLINED", "card_declined"],
    ["tok_insufficientFunds", "INSUFFICIENT_FUNDS", "insufficient_funds"],
    ["tok_unknownToken", "CARD_DECLINED", "card_declined"],
  ])("%s → %s: stock released, order PAYMENT_FAILED with the reason, payment DECLINED", async (token, code, reason) => {
    const stockBefore = orders.products.stockOf(p2.id);
    const res = await place(orderInput([{ productId: p2.id, quantity: 3 }], token));
    expect(res.data?.placeOrder.userErrors).toEqual([
      expect.objectContaining({ code, field: ["input", "paymentToken"] }),
    ]);
    const order = res.data?.placeOrder.order;
    expect(order).toMatchObject({ status: "PAYMENT_FAILED", payment: { status: "DECLINED", failureReason: reason } });
    expect(orders.products.stockOf(p2.id)).toBe(stockBefore);
    expect(orders.products.reservationOf(order.id)?.state).toBe("RELEASED");
    expect(await orders.db.providerCharge.findUnique({ where: { orderId: order.id } })).toMatchObject({
      status: "DECLINED",
      capturedMinor: 0n,
    });
    const event = await orders.db.outboxEvent.findFirstOrThrow({
      where: { type: "order.payment_failed", payload: { path: ["orderId"], equals: order.id } },
    });
    expect(event.payload).toMatchObject({ status: "PAYMENT_FAILED", reason });
  });

  it("gives the money back if the reservation vanished before commit (OUT_OF_STOCK, payment REFUNDED)", async () => {
    onStep = (point, id) => (point === "commit" ? orders.products.expireReservation(id) : undefined);
    const stockBefore = orders.products.stockOf(p3.id);
    const res = await place(orderInput([{ productId: p3.id, quantity: 1 }]));
    onStep = undefined;
    expect(res.data?.placeOrder.userErrors).toEqual([expect.objectContaining({ code: "OUT_OF_STOCK" })]);
    const order = res.data?.placeOrder.order;
    expect(order).toMatchObject({
      status: "PAYMENT_FAILED",
      payment: { status: "REFUNDED", failureReason: "stock_unavailable" },
    });
    expect(await orders.db.providerCharge.findUnique({ where: { orderId: order.id } })).toMatchObject({
      status: "REFUNDED",
      capturedMinor: p3.priceMinor,
      refundedMinor: p3.priceMinor,
    });
    expect(orders.products.stockOf(p3.id)).toBe(stockBefore);
  });
});

describe("placeOrder: products unreachable", () => {
  it("before pricing: a retryable SERVICE_UNAVAILABLE, nothing stored, and the same key works on retry", async () => {
    orders.products.failNext("getProducts");
    const key = randomUUID();
    const input = orderInput([{ productId: p1.id, quantity: 1 }]);
    const failed = await place(input, key);
    // Products not answering is an outage, not a bug: the client is told to retry (and it works).
    expect(failed.errors?.[0]?.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", retryable: true });
    expect(JSON.stringify(failed.errors)).not.toContain("fake products");
    const retry = await place(input, key);
    expect(retry.data?.placeOrder.order.status).toBe("PAID");
  });

  it("reserving with a lost response: a retryable SERVICE_UNAVAILABLE, whatever was reserved released, the order discarded, the key freed", async () => {
    orders.products.failNext("reserveStock", "after");
    const stockBefore = orders.products.stockOf(p2.id);
    const ordersBefore = await orders.db.order.count();
    const key = randomUUID();
    const input = orderInput([{ productId: p2.id, quantity: 4 }]);
    const failed = await place(input, key);
    // Products not answering is an outage, not a bug: the client is told to retry (and it works).
    expect(failed.errors?.[0]?.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", retryable: true });
    expect(orders.products.stockOf(p2.id)).toBe(stockBefore);
    expect(await orders.db.order.count()).toBe(ordersBefore);
    const retry = await place(input, key);
    expect(retry.data?.placeOrder.order.status).toBe("PAID");
    expect(orders.products.stockOf(p2.id)).toBe(stockBefore - 4);
  });
});
