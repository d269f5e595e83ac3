import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProviderFault, ProviderOperation } from "../src/payments/simulated-provider.ts";
import { buyableProducts, startTestOrders, type TestOrders } from "./harness.ts";
import { measure, SETTLED } from "./invariants.ts";
import { orderInput, PLACE_ORDER } from "./operations.ts";

let orders: TestOrders;
let faults: Partial<Record<ProviderOperation, ProviderFault[]>> = {};
beforeAll(async () => {
  orders = await startTestOrders({ deps: { paymentFaults: (operation) => faults[operation]?.shift() } });
});
afterAll(() => orders?.close());

const product = buyableProducts[0]!;
const initialStock = new Map([[product.id, product.stock]]);
async function place(key = randomUUID()) {
  const res = await orders.query(
    PLACE_ORDER,
    { input: orderInput([{ productId: product.id, quantity: 1 }]), key },
    await orders.tokens.customer(),
  );
  const orderId = (await orders.db.idempotencyRecord.findFirst({ where: { key } }))?.orderId ?? null;
  return { res, orderId, charge: orderId ? await orders.db.providerCharge.findUnique({ where: { orderId } }) : null };
}

describe("payment provider timeouts and 5xx: the saga asks the provider before deciding", () => {
  it.each([
    ["authorize", "timeout", "after"],
    ["authorize", "unavailable", "after"],
    ["capture", "timeout", "after"],
    ["capture", "unavailable", "before"],
    ["capture", "timeout", "before"],
  ] as const)(
    "%s %s (%s acting): money was or can be taken → exactly one capture and a PAID order",
    async (operation, kind, when) => {
      faults = { [operation]: [{ kind, when }] };
      const { res, charge } = await place();
      expect(res.data?.placeOrder.userErrors).toEqual([]);
      expect(res.data?.placeOrder.order).toMatchObject({ status: "PAID", payment: { status: "CAPTURED" } });
      expect(charge).toMatchObject({ status: "CAPTURED", refundedMinor: 0n });
      expect(await measure(orders, initialStock)).toMatchObject(SETTLED);
    },
  );

  it.each(["timeout", "unavailable"] as const)(
    "authorize %s before acting: nothing charged → voided, stock released, PAYMENT_FAILED",
    async (kind) => {
      faults = { authorize: [{ kind, when: "before" }] };
      const { res, orderId, charge } = await place();
      expect(res.data?.placeOrder.userErrors).toEqual([expect.objectContaining({ code: "PAYMENT_FAILED" })]);
      expect(res.data?.placeOrder.order).toMatchObject({
        status: "PAYMENT_FAILED",
        payment: { status: "DECLINED", failureReason: "payment_unavailable" },
      });
      expect(charge).toMatchObject({ status: "VOIDED", capturedMinor: 0n });
      // The tombstone makes a late or replayed authorization for this order harmless.
      const late = await orders.checkout.payments.authorize({
        orderId: orderId!,
        amountMinor: 100n,
        currencyCode: "USD",
        token: "tok_visa",
      });
      expect(late.status).toBe("VOIDED");
      expect(await measure(orders, initialStock)).toMatchObject(SETTLED);
    },
  );

  it("never marks an order paid while the truth is unknown: lookup down → PENDING, then recovery settles it", async () => {
    faults = { authorize: [{ kind: "timeout", when: "after" }], lookup: [{ kind: "unavailable", when: "before" }] };
    const { res, orderId, charge } = await place();
    expect(res.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    expect(charge).toMatchObject({ status: "AUTHORIZED", capturedMinor: 0n });
    expect(await orders.db.order.findUniqueOrThrow({ where: { id: orderId! } })).toMatchObject({
      status: "PENDING",
      sagaStep: "charging",
    });
    await orders.recover({ olderThanMs: 0 });
    expect(await orders.db.order.findUniqueOrThrow({ where: { id: orderId! } })).toMatchObject({
      status: "PAID",
      sagaStep: null,
    });
    expect(await measure(orders, initialStock)).toMatchObject(SETTLED);
  });

  it("keeps the books balanced across all of the above", async () => {
    const m = await measure(orders, initialStock);
    expect(m.netCaptured).toBe(m.soldTotal);
    expect(m.capturedPayments).toBe(m.soldTotal);
  });
});
