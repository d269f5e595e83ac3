import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Relative on purpose until orders depends on @shopgraph/events (the relay wiring): the catalog
// is the consumers' contract, and this test must fail the day the two drift apart.
import { OrderEventV1, ORDER_EVENT_TYPES } from "@shopgraph/events";
import { buyableProducts, startTestOrders, type TestOrders } from "./harness.ts";
import { CANCEL, DELIVER, orderInput, PLACE_ORDER, SHIP } from "./operations.ts";

let orders: TestOrders;
beforeAll(async () => {
  orders = await startTestOrders({ seed: false });
});
afterAll(() => orders?.close());

describe("outbox events", () => {
  it("writes every order event type with a payload the shared v1 catalog accepts", async () => {
    const [admin, customer] = [await orders.tokens.admin(), await orders.tokens.customer()];
    const place = async (token: string) =>
      (
        await orders.query(
          PLACE_ORDER,
          { input: orderInput([{ productId: buyableProducts[0]!.id, quantity: 1 }], token), key: randomUUID() },
          customer,
        )
      ).data?.placeOrder.order.id as string;
    const shipped = await place("tok_visa");
    await orders.query(SHIP, { id: shipped, t: "1Z1" }, admin);
    await orders.query(DELIVER, { id: shipped }, admin);
    await orders.query(CANCEL, { id: await place("tok_visa") }, customer);
    await place("tok_insufficientFunds");

    const events = await orders.db.outboxEvent.findMany({ orderBy: { occurredAt: "asc" } });
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(ORDER_EVENT_TYPES));
    for (const event of events) {
      expect({
        type: event.type,
        version: event.version,
        parsed: OrderEventV1.safeParse(event.payload).success,
      }).toEqual({ type: event.type, version: 1, parsed: true });
      expect(event.occurredAt).toBeInstanceOf(Date);
    }
  });
});
