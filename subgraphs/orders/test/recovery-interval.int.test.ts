import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buyableProducts, startTestOrders, type TestOrders } from "./harness.ts";
import { orderInput, PLACE_ORDER } from "./operations.ts";

let orders: TestOrders;
let crash = true;
beforeAll(async () => {
  orders = await startTestOrders({
    seed: false,
    env: { RECOVERY_INTERVAL_MS: "50", RECOVERY_AGE_MS: "1000" },
    deps: {
      hooks: {
        beforeStep(point) {
          if (point === "commit" && crash) {
            crash = false;
            throw new Error("simulated crash");
          }
        },
      },
    },
  });
});
afterAll(() => orders?.close());

describe("the recovery sweep on its interval", () => {
  it("settles a crashed checkout without anyone asking", async () => {
    const key = randomUUID();
    const res = await orders.query(
      PLACE_ORDER,
      { input: orderInput([{ productId: buyableProducts[0]!.id, quantity: 1 }]), key },
      await orders.tokens.customer(),
    );
    expect(res.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    const { orderId } = await orders.db.idempotencyRecord.findFirstOrThrow({ where: { key } });
    await vi.waitFor(
      async () =>
        expect(await orders.db.order.findUniqueOrThrow({ where: { id: orderId! } })).toMatchObject({
          status: "PAID",
          sagaStep: null,
        }),
      { timeout: 15_000, interval: 50 },
    );
  });
});
