import { describe, expect, it } from "vitest";
import { formatOrderNumber, OrderEventV1 } from "../src/index.ts";

describe("order numbers", () => {
  it("prints the event's Int the way the API shows Order.number: SG- and at least six digits", () => {
    expect([1, 123, 999_999, 1_234_567].map(formatOrderNumber)).toEqual([
      "SG-000001",
      "SG-000123",
      "SG-999999",
      "SG-1234567",
    ]);
  });

  it("keeps the Int on the wire (formatting is the consumer's job)", () => {
    const payload = {
      orderId: "0b0c2f7e-3d5c-4f6b-9a59-8b3a7a0f9d11",
      number: 123,
      customerId: "0b0c2f7e-3d5c-4f6b-9a59-8b3a7a0f9d11",
      status: "PAID",
      total: { amount: "1.00", currencyCode: "USD" },
    };
    expect(OrderEventV1.safeParse(payload).success).toBe(true);
    expect(OrderEventV1.safeParse({ ...payload, number: "SG-000123" }).success).toBe(false);
  });
});
