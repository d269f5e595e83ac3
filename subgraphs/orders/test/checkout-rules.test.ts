import { describe, expect, it } from "vitest";
import { DomainError } from "@shopgraph/errors";
import { canonicalJson, hashRequest } from "../src/domain/idempotency.ts";
import { formatOrderNumber } from "@shopgraph/events";
import { checkAddress, priceLines, validatePlaceOrderInput } from "../src/domain/order-validation.ts";
import { COUNTRY_CODES } from "../src/domain/countries.ts";

const ID = "0b6d5c5e-0c7e-4f5e-9f5a-1c2d3e4f5a6b";
const ADDRESS = { name: "A", line1: "1 Road", city: "Town", postalCode: "123", country: "US" };

describe("order numbers", () => {
  it("zero-pads the Int column to six digits", () => {
    expect([formatOrderNumber(1), formatOrderNumber(123), formatOrderNumber(1_234_567)]).toEqual([
      "SG-000001",
      "SG-000123",
      "SG-1234567",
    ]);
  });
});

describe("request fingerprints", () => {
  it("ignores key order and null/absent optional fields, but not values or line order", () => {
    expect(canonicalJson({ b: 1, a: { d: null, c: [2, 1] } })).toBe('{"a":{"c":[2,1]},"b":1}');
    const input = { lines: [{ productId: ID, quantity: 1 }], shippingAddress: ADDRESS, paymentToken: "tok_visa" };
    expect(hashRequest(input)).toBe(
      hashRequest({
        paymentToken: "tok_visa",
        shippingAddress: { ...ADDRESS, line2: null },
        lines: [{ quantity: 1, productId: ID }],
      }),
    );
    expect(hashRequest(input)).not.toBe(hashRequest({ ...input, paymentToken: "tok_mastercard" }));
    expect(hashRequest(input)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("placeOrder input rules", () => {
  it("normalizes ids and the address", () => {
    const { lines, address } = validatePlaceOrderInput({
      lines: [{ productId: ID.toUpperCase(), quantity: 3 }],
      shippingAddress: { ...ADDRESS, name: "  Ada ", line2: "  ", country: "de" },
      paymentToken: "t",
    });
    expect(lines).toEqual([{ productId: ID, quantity: 3 }]);
    expect(address).toEqual({ ...ADDRESS, name: "Ada", line2: null, country: "DE" });
  });

  it("treats ids differing only in case as the same product", () => {
    expect(() =>
      validatePlaceOrderInput({
        lines: [
          { productId: ID, quantity: 1 },
          { productId: ID.toUpperCase(), quantity: 1 },
        ],
        shippingAddress: ADDRESS,
        paymentToken: "t",
      }),
    ).toThrow(DomainError);
  });

  it("holds a fixed list of the 249 ISO 3166-1 alpha-2 codes", () => {
    expect(COUNTRY_CODES.size).toBe(249);
    expect(["US", "GB", "DE", "JP"].every((c) => COUNTRY_CODES.has(c))).toBe(true);
    expect(checkAddress({ ...ADDRESS, country: "EU" }).errors).toHaveLength(1);
  });

  it("prices lines from snapshots and refuses mixed currencies", () => {
    const other = "1b6d5c5e-0c7e-4f5e-9f5a-1c2d3e4f5a6b";
    const snapshots = new Map([
      [ID, { id: ID, title: "A", archived: false, priceMinor: 250n, currencyCode: "USD" as const }],
      [other, { id: other, title: "B", archived: false, priceMinor: 100n, currencyCode: "EUR" as const }],
    ]);
    expect(priceLines([{ productId: ID, quantity: 4 }], snapshots)).toEqual({
      currencyCode: "USD",
      lines: [{ productId: ID, title: "A", quantity: 4, unitPriceMinor: 250n, lineTotalMinor: 1000n }],
    });
    try {
      priceLines(
        [
          { productId: ID, quantity: 1 },
          { productId: other, quantity: 1 },
        ],
        snapshots,
      );
      expect.unreachable();
    } catch (error) {
      expect((error as DomainError).userErrors).toEqual([
        expect.objectContaining({ code: "INVALID_LINE", field: ["input", "lines", "1"] }),
      ]);
    }
  });
});
