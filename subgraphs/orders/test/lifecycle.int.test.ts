import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedCustomer, seedOrders } from "@shopgraph/fixtures";
import { buyableProducts, otherCustomer, startTestOrders, type TestOrders } from "./harness.ts";
import { CANCEL, DELIVER, orderInput, PLACE_ORDER, SHIP } from "./operations.ts";

let orders: TestOrders;
let admin: string;
let customer: string;
beforeAll(async () => {
  orders = await startTestOrders();
  [admin, customer] = [await orders.tokens.admin(), await orders.tokens.customer()];
});
afterAll(() => orders?.close());

const product = buyableProducts[0]!;
/** A fresh PAID order of the seeded customer (2 units of `product`). */
async function paidOrder(): Promise<string> {
  const res = await orders.query(
    PLACE_ORDER,
    { input: orderInput([{ productId: product.id, quantity: 2 }]), key: randomUUID() },
    customer,
  );
  return res.data?.placeOrder.order.id;
}
const statusOf = async (id: string) => (await orders.db.order.findUniqueOrThrow({ where: { id } })).status;
const eventsOf = async (id: string, type: string) =>
  orders.db.outboxEvent.findMany({ where: { type, payload: { path: ["orderId"], equals: id } } });

describe("cancelOrder", () => {
  it("lets the owner cancel a PAID order: stock released, payment refunded, order.cancelled emitted", async () => {
    const id = await paidOrder();
    const stock = orders.products.stockOf(product.id);
    const res = await orders.query(CANCEL, { id }, customer);
    expect(res.data?.cancelOrder).toEqual({
      order: { id, status: "CANCELLED", payment: { status: "REFUNDED" } },
      userErrors: [],
    });
    expect(orders.products.stockOf(product.id)).toBe(stock + 2);
    const charge = await orders.db.providerCharge.findUniqueOrThrow({ where: { orderId: id } });
    expect(charge.refundedMinor).toBe(charge.capturedMinor);
    const [event] = await eventsOf(id, "order.cancelled");
    expect(event?.payload).toMatchObject({
      status: "CANCELLED",
      reason: "cancelled_by_customer",
      customerId: seedCustomer.id,
    });
  });

  it("cancels a seeded PAID order against the seeded provider ledger", async () => {
    const seeded = seedOrders.find((o) => o.status === "PAID" && o.customerId === seedCustomer.id)!;
    const res = await orders.query(CANCEL, { id: seeded.id }, customer);
    expect(res.data?.cancelOrder.order).toMatchObject({ status: "CANCELLED", payment: { status: "REFUNDED" } });
    expect(await orders.db.providerCharge.findUniqueOrThrow({ where: { orderId: seeded.id } })).toMatchObject({
      status: "REFUNDED",
      refundedMinor: seeded.totalMinor,
    });
  });

  it("refuses the owner once shipped (INVALID_STATUS_TRANSITION, nothing changes) but lets an ADMIN cancel", async () => {
    const id = await paidOrder();
    await orders.query(SHIP, { id, t: "1Z999" }, admin);
    const refused = await orders.query(CANCEL, { id }, customer);
    expect(refused.data?.cancelOrder).toEqual({
      order: null,
      userErrors: [expect.objectContaining({ code: "INVALID_STATUS_TRANSITION", field: ["id"] })],
    });
    expect(await statusOf(id)).toBe("SHIPPED");
    expect(await eventsOf(id, "order.cancelled")).toHaveLength(0);
    const byAdmin = await orders.query(CANCEL, { id }, admin);
    expect(byAdmin.data?.cancelOrder.order).toMatchObject({ status: "CANCELLED", payment: { status: "REFUNDED" } });
    expect((await eventsOf(id, "order.cancelled"))[0]?.payload).toMatchObject({
      reason: "cancelled_by_admin",
      trackingNumber: "1Z999",
    });
  });

  it("treats another customer's order like a missing one (NOT_FOUND), and needs a signed-in user", async () => {
    const id = await paidOrder();
    const intruder = await orders.query(CANCEL, { id }, await orders.tokens.customer(otherCustomer.id));
    expect(intruder.data?.cancelOrder).toEqual({
      order: null,
      userErrors: [expect.objectContaining({ code: "NOT_FOUND", field: ["id"] })],
    });
    for (const missing of [randomUUID(), "not-a-uuid"]) {
      expect((await orders.query(CANCEL, { id: missing }, customer)).data?.cancelOrder.userErrors[0].code).toBe(
        "NOT_FOUND",
      );
    }
    const anonymous = await orders.query(CANCEL, { id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(await statusOf(id)).toBe("PAID");
  });

  it.each(["PAYMENT_FAILED", "DELIVERED", "CANCELLED"] as const)(
    "refuses to cancel a %s order, even for an ADMIN",
    async (status) => {
      const seeded = seedOrders.find((o) => o.status === status)!;
      const res = await orders.query(CANCEL, { id: seeded.id }, admin);
      expect(res.data?.cancelOrder.userErrors).toEqual([
        expect.objectContaining({ code: "INVALID_STATUS_TRANSITION" }),
      ]);
      expect(await statusOf(seeded.id)).toBe(status);
    },
  );

  it("lets exactly one of ten concurrent cancellations win: one refund, one event, stock released once", async () => {
    const id = await paidOrder();
    const stock = orders.products.stockOf(product.id);
    const results = await Promise.all(Array.from({ length: 10 }, () => orders.query(CANCEL, { id }, customer)));
    expect(results.filter((r) => r.data?.cancelOrder.order)).toHaveLength(1);
    expect(results.filter((r) => r.data?.cancelOrder.userErrors[0]?.code === "INVALID_STATUS_TRANSITION")).toHaveLength(
      9,
    );
    expect(await eventsOf(id, "order.cancelled")).toHaveLength(1);
    expect(orders.products.stockOf(product.id)).toBe(stock + 2);
  });
});

describe("markOrderShipped / markOrderDelivered", () => {
  it("moves PAID → SHIPPED → DELIVERED with events; invalid transitions change nothing", async () => {
    const id = await paidOrder();
    expect((await orders.query(DELIVER, { id }, admin)).data?.markOrderDelivered.userErrors[0].code).toBe(
      "INVALID_STATUS_TRANSITION",
    );
    const shipped = await orders.query(SHIP, { id, t: "  1Z999AA10123456784  " }, admin);
    expect(shipped.data?.markOrderShipped).toEqual({
      order: { id, status: "SHIPPED", trackingNumber: "1Z999AA10123456784" },
      userErrors: [],
    });
    expect((await eventsOf(id, "order.shipped"))[0]?.payload).toMatchObject({
      status: "SHIPPED",
      trackingNumber: "1Z999AA10123456784",
    });
    expect((await orders.query(SHIP, { id, t: "other" }, admin)).data?.markOrderShipped.userErrors[0].code).toBe(
      "INVALID_STATUS_TRANSITION",
    );
    expect((await orders.db.order.findUniqueOrThrow({ where: { id } })).trackingNumber).toBe("1Z999AA10123456784");
    const delivered = await orders.query(DELIVER, { id }, admin);
    expect(delivered.data?.markOrderDelivered.order.status).toBe("DELIVERED");
    expect(await eventsOf(id, "order.delivered")).toHaveLength(1);
    expect((await orders.query(DELIVER, { id }, admin)).data?.markOrderDelivered.userErrors[0].code).toBe(
      "INVALID_STATUS_TRANSITION",
    );
  });

  it("ships without a tracking number, and refuses one longer than 64 characters", async () => {
    const id = await paidOrder();
    const tooLong = await orders.query(SHIP, { id, t: "X".repeat(65) }, admin);
    expect(tooLong.data?.markOrderShipped.userErrors).toEqual([
      expect.objectContaining({ code: "INVALID_TRACKING_NUMBER", field: ["trackingNumber"] }),
    ]);
    expect(await statusOf(id)).toBe("PAID");
    const ok = await orders.query(SHIP, { id }, admin);
    expect(ok.data?.markOrderShipped.order).toEqual({ id, status: "SHIPPED", trackingNumber: null });
  });

  it("is ADMIN only: a customer is FORBIDDEN, anonymous UNAUTHENTICATED", async () => {
    const id = await paidOrder();
    for (const [op, name] of [
      [SHIP, "markOrderShipped"],
      [DELIVER, "markOrderDelivered"],
    ] as const) {
      const asCustomer = await orders.query(op, { id }, customer);
      expect(asCustomer.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
      expect(asCustomer.data?.[name] ?? null).toBeNull();
      expect((await orders.query(op, { id })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    expect(await statusOf(id)).toBe("PAID");
    expect((await orders.query(SHIP, { id: randomUUID() }, admin)).data?.markOrderShipped.userErrors[0].code).toBe(
      "NOT_FOUND",
    );
  });

  it("lets exactly one of five concurrent shipments win", async () => {
    const id = await paidOrder();
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => orders.query(SHIP, { id, t: `T${n}` }, admin)));
    expect(results.filter((r) => r.data?.markOrderShipped.order)).toHaveLength(1);
    expect(await eventsOf(id, "order.shipped")).toHaveLength(1);
  });
});
