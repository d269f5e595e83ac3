import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CrashPoint } from "../src/domain/checkout-deps.ts";
import { hashRequest } from "../src/domain/idempotency.ts";
import type { ProviderFault, ProviderOperation } from "../src/payments/simulated-provider.ts";
import { seedCustomer } from "@shopgraph/fixtures";
import { buyableProducts, startTestOrders, type TestOrders } from "./harness.ts";
import { measure, SETTLED } from "./invariants.ts";
import { orderInput, PLACE_ORDER } from "./operations.ts";

let orders: TestOrders;
/** The next saga step to crash at (once). */
let crashAt: CrashPoint | undefined;
/** Runs instead of crashing, once: lets a test race the sweep against a live saga. */
let interleave: { point: CrashPoint; run: () => Promise<unknown> } | undefined;
let faults: Partial<Record<ProviderOperation, ProviderFault[]>> = {};

beforeAll(async () => {
  orders = await startTestOrders({
    env: { IDEMPOTENCY_WAIT_MS: "300" },
    deps: {
      hooks: {
        async beforeStep(point) {
          if (interleave?.point === point) {
            const { run } = interleave;
            interleave = undefined;
            await run();
          }
          if (crashAt !== point) return;
          crashAt = undefined;
          throw new Error(`simulated crash before ${point}`);
        },
      },
      paymentFaults: (operation) => faults[operation]?.shift(),
    },
  });
});
afterAll(() => orders?.close());

const initialStock = new Map(buyableProducts.slice(0, 5).map((p) => [p.id, p.stock]));
const productIds = [...initialStock.keys()];
const input = (token = "tok_visa") =>
  orderInput(
    [
      { productId: productIds[0]!, quantity: 2 },
      { productId: productIds[1]!, quantity: 1 },
    ],
    token,
  );
const place = async (key: string, token = "tok_visa") =>
  orders.query(PLACE_ORDER, { input: input(token), key }, await orders.tokens.customer());
const orderOfKey = async (key: string) =>
  (await orders.db.idempotencyRecord.findFirstOrThrow({ where: { key } })).orderId!;
const eventsOf = (orderId: string) =>
  orders.db.outboxEvent.findMany({ where: { payload: { path: ["orderId"], equals: orderId } } });

/** Places an order that crashes at `point`; returns its id (the order is left PENDING). */
async function crashedOrder(point: CrashPoint, token = "tok_visa") {
  const key = randomUUID();
  crashAt = point;
  const res = await place(key, token);
  expect(res.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
  const id = await orderOfKey(key);
  expect(await orders.db.order.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "PENDING" });
  return { key, id };
}

describe("crash recovery", () => {
  it.each([
    ["reserve", "tok_visa", "PAYMENT_FAILED", "abandoned", null],
    ["charge", "tok_visa", "PAYMENT_FAILED", "abandoned", "VOIDED"],
    ["commit", "tok_visa", "PAID", null, "CAPTURED"],
    ["confirm", "tok_visa", "PAID", null, "CAPTURED"],
    ["release", "tok_chargeDeclined", "PAYMENT_FAILED", "card_declined", "DECLINED"],
  ] as const)(
    "a crash before %s is finished by the sweep (%s → %s)",
    async (point, token, status, reason, chargeStatus) => {
      const { key, id } = await crashedOrder(point, token);
      // While the first attempt is unresolved, a retry waits, then says so.
      const waiting = await place(key, token);
      expect(waiting.data?.placeOrder.userErrors).toEqual([
        expect.objectContaining({ code: "IDEMPOTENCY_KEY_IN_USE" }),
      ]);

      const report = await orders.recover({ olderThanMs: 0 });
      expect(report).toMatchObject({ recovered: 1, failed: 0 });
      const order = await orders.db.order.findUniqueOrThrow({ where: { id }, include: { payments: true } });
      expect(order).toMatchObject({ status, sagaStep: null });
      expect(order.payments).toEqual([
        expect.objectContaining({ status: status === "PAID" ? "CAPTURED" : "DECLINED", failureReason: reason }),
      ]);
      expect((await orders.db.providerCharge.findUnique({ where: { orderId: id } }))?.status ?? null).toBe(
        chargeStatus,
      );
      expect((await eventsOf(id)).map((e) => e.type)).toEqual([
        status === "PAID" ? "order.confirmed" : "order.payment_failed",
      ]);
      expect(orders.products.reservationOf(id)?.state).toBe(status === "PAID" ? "COMMITTED" : "RELEASED");

      // The retry now replays the outcome.
      const replay = await place(key, token);
      expect(replay.data?.placeOrder.order).toMatchObject({ id, status });
      expect(replay.data?.placeOrder.userErrors.map((e: { code: string }) => e.code)).toEqual(
        status === "PAID" ? [] : [reason === "abandoned" ? "PAYMENT_FAILED" : "CARD_DECLINED"],
      );
      expect(await measure(orders, initialStock)).toMatchObject(SETTLED);
    },
  );

  it("leaves young sagas alone (they may still be running)", async () => {
    const { id } = await crashedOrder("commit");
    expect((await orders.recover()).examined).toBe(0);
    expect((await orders.db.order.findUniqueOrThrow({ where: { id } })).status).toBe("PENDING");
    await orders.recover({ olderThanMs: 0 });
    expect((await orders.db.order.findUniqueOrThrow({ where: { id } })).status).toBe("PAID");
  });

  it("resumes an authorized charge whose outcome the saga could not learn (capture and lookup both failed)", async () => {
    faults = { capture: [{ kind: "timeout", when: "before" }], lookup: [{ kind: "unavailable", when: "before" }] };
    const key = randomUUID();
    const res = await place(key);
    expect(res.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    const id = await orderOfKey(key);
    expect(await orders.db.providerCharge.findUniqueOrThrow({ where: { orderId: id } })).toMatchObject({
      status: "AUTHORIZED",
    });
    await orders.recover({ olderThanMs: 0 });
    expect(await orders.db.order.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "PAID" });
    expect(await orders.db.providerCharge.findUniqueOrThrow({ where: { orderId: id } })).toMatchObject({
      status: "CAPTURED",
    });
    expect(await measure(orders, initialStock)).toMatchObject(SETTLED);
  });

  it("survives a sweeper crashing mid-recovery: the next sweep asks the provider again", async () => {
    const { id } = await crashedOrder("charge");
    crashAt = "release";
    expect(await orders.recover({ olderThanMs: 0 })).toMatchObject({ failed: 1 });
    expect(await orders.db.order.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "PENDING",
      sagaStep: "recovering",
    });
    expect(await orders.recover({ olderThanMs: 0 })).toMatchObject({ recovered: 1, failed: 0 });
    expect(await orders.db.order.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "PAYMENT_FAILED" });
    expect(await measure(orders, initialStock)).toMatchObject(SETTLED);
  });

  it("lets concurrent sweeps recover each order exactly once", async () => {
    const crashed = [await crashedOrder("commit"), await crashedOrder("confirm"), await crashedOrder("charge")];
    const reports = await Promise.all([orders.recover({ olderThanMs: 0 }), orders.recover({ olderThanMs: 0 })]);
    expect(reports[0].recovered + reports[1].recovered).toBe(3);
    for (const { id } of crashed) expect(await eventsOf(id)).toHaveLength(1);
    expect(await measure(orders, initialStock)).toMatchObject(SETTLED);
  });

  it.each(["charge", "commit"] as const)(
    "a live saga overtaken by the sweep at %s stands down without double effects",
    async (point) => {
      const key = randomUUID();
      interleave = { point, run: () => orders.recover({ olderThanMs: 0 }) };
      const res = await place(key);
      expect(res.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
      const id = await orderOfKey(key);
      const order = await orders.db.order.findUniqueOrThrow({ where: { id } });
      expect(order.status).toBe(point === "charge" ? "PAYMENT_FAILED" : "PAID");
      expect(await eventsOf(id)).toHaveLength(1);
      const charge = await orders.db.providerCharge.findUniqueOrThrow({ where: { orderId: id } });
      // Overtaken before charging: the sweep's tombstone refused the saga's late authorization.
      expect(charge.status).toBe(point === "charge" ? "VOIDED" : "CAPTURED");
      expect((await place(key)).data?.placeOrder.order).toMatchObject({ id, status: order.status });
      expect(await measure(orders, initialStock)).toMatchObject(SETTLED);
    },
  );

  it("finishes a cancellation whose compensation failed: stock back, money refunded", async () => {
    const placed = await place(randomUUID());
    const id = placed.data?.placeOrder.order.id;
    orders.products.failNext("releaseStock");
    const cancel = await orders.query(
      `mutation($id: ID!) { cancelOrder(id: $id) { order { status payment { status } } userErrors { code } } }`,
      { id },
      await orders.tokens.customer(),
    );
    expect(cancel.data?.cancelOrder).toEqual({
      order: { status: "CANCELLED", payment: { status: "CAPTURED" } },
      userErrors: [],
    });
    expect(await orders.db.order.findUniqueOrThrow({ where: { id } })).toMatchObject({ sagaStep: "cancelling" });
    await orders.recover({ olderThanMs: 0 });
    expect(await orders.db.order.findUniqueOrThrow({ where: { id }, include: { payments: true } })).toMatchObject({
      status: "CANCELLED",
      sagaStep: null,
      payments: [expect.objectContaining({ status: "REFUNDED" })],
    });
    expect(await orders.db.providerCharge.findUniqueOrThrow({ where: { orderId: id } })).toMatchObject({
      status: "REFUNDED",
    });
    expect(await measure(orders, initialStock)).toMatchObject(SETTLED);
  });

  it("frees a key whose first attempt died before creating an order", async () => {
    const key = randomUUID();
    await orders.db.idempotencyRecord.create({
      data: {
        customerId: seedCustomer.id,
        key,
        requestHash: hashRequest(input()),
        state: "IN_PROGRESS",
        createdAt: new Date(Date.now() - 60_000),
        expiresAt: new Date(Date.now() + 3600_000),
      },
    });
    expect((await place(key)).data?.placeOrder.userErrors[0].code).toBe("IDEMPOTENCY_KEY_IN_USE");
    expect((await orders.recover({ olderThanMs: 30_000 })).abandonedKeys).toBe(1);
    expect((await place(key)).data?.placeOrder.order.status).toBe("PAID");
  });

  it("ends with money conserved: captured − refunded equals the totals of sold orders", async () => {
    const m = await measure(orders, initialStock);
    expect(m.netCaptured).toBe(m.soldTotal);
    expect(m.capturedPayments).toBe(m.soldTotal);
  });
});
