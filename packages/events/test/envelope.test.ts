import { describe, expect, it } from "vitest";
import {
  createEnvelope,
  LowStockV1,
  MalformedEventError,
  OrderEventV1,
  parseEnvelope,
  parseEnvelopeJson,
  retryDelayMs,
  UserRegisteredV1,
} from "../src/index.ts";

const valid = createEnvelope(
  "order.confirmed",
  { orderId: "x" },
  { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
);

describe("envelope", () => {
  it("accepts a well-formed envelope and normalizes id and timestamp", () => {
    const parsed = parseEnvelope({ ...valid, id: valid.id.toUpperCase(), occurredAt: "2026-01-01T01:00:00+01:00" });
    expect(parsed).toEqual({ ...valid, occurredAt: "2026-01-01T00:00:00.000Z" });
    expect(parseEnvelopeJson(JSON.stringify(valid))).toEqual(valid);
  });

  it.each([
    [null, "envelope is not an object"],
    [[valid], "envelope is not an object"],
    [{ ...valid, id: "42" }, "envelope.id must be a UUID"],
    [{ ...valid, type: "OrderConfirmed" }, "envelope.type must look like 'domain.event_name'"],
    [{ ...valid, type: "order" }, "envelope.type must look like 'domain.event_name'"],
    [{ ...valid, version: 0 }, "envelope.version must be a positive integer"],
    [{ ...valid, version: "1" }, "envelope.version must be a positive integer"],
    [{ ...valid, occurredAt: "yesterday" }, "envelope.occurredAt must be an ISO-8601 timestamp"],
    [{ ...valid, payload: null }, "envelope.payload must be an object"],
    [{ ...valid, payload: [1] }, "envelope.payload must be an object"],
  ])("rejects malformed envelope %# with MalformedEventError", (value, message) => {
    expect(() => parseEnvelope(value)).toThrow(new MalformedEventError(message));
  });

  it("rejects unparsable JSON and drops (not rejects) a malformed traceparent", () => {
    expect(() => parseEnvelopeJson("{oops")).toThrow("envelope is not valid JSON");
    expect(parseEnvelope({ ...valid, traceparent: "not-a-trace" }).traceparent).toBeNull();
  });
});

describe("event catalog", () => {
  const uuid = "0b0c2f7e-3d5c-4f6b-9a59-8b3a7a0f9d11";
  it("validates the v1 payloads and ignores additive keys", () => {
    expect(UserRegisteredV1.parse({ userId: uuid, email: "a@b.co", name: "A", role: "CUSTOMER", extra: 1 })).toEqual({
      userId: uuid,
      email: "a@b.co",
      name: "A",
      role: "CUSTOMER",
    });
    expect(
      OrderEventV1.safeParse({
        orderId: uuid,
        number: 7,
        customerId: uuid,
        status: "PAID",
        total: { amount: "19.99", currencyCode: "USD" },
      }).success,
    ).toBe(true);
    expect(
      OrderEventV1.safeParse({
        orderId: uuid,
        number: 7,
        customerId: uuid,
        status: "PAID",
        total: { amount: 19.99, currencyCode: "USD" },
      }).success,
    ).toBe(false);
    expect(LowStockV1.safeParse({ productId: uuid, title: "Mug", quantityAvailable: -1 }).success).toBe(false);
  });
});

describe("retry backoff", () => {
  const policy = { baseMs: 1_000, maxMs: 60_000 };
  it("doubles per attempt with equal jitter, capped", () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, policy, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, policy, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayMs(40, policy, () => 1)).toBe(60_000);
  });
});
