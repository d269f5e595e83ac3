import { describe, expect, it } from "vitest";
import { createEnvelope, PermanentEventError } from "@shopgraph/events";
import { planFor } from "../src/domain/event-handlers.ts";
import { maskEmail, maskPhone, maskRecipient } from "../src/domain/masking.ts";
import { checkSmsNumber, E164 } from "../src/domain/phone-numbers.ts";
import { formatMoney, renderLowStock, renderOrder, renderWelcome } from "../src/domain/templates.ts";

const templates = { storefrontUrl: "https://shop.example.com" };

const uuid = "0b0c2f7e-3d5c-4f6b-9a59-8b3a7a0f9d11";
const order = {
  orderId: uuid,
  number: 1042,
  customerId: uuid,
  status: "PAID",
  total: { amount: "59.97", currencyCode: "USD" as const },
};

describe("masking", () => {
  it("keeps only what identifies the recipient to an operator", () => {
    expect(maskEmail("alice@example.com")).toBe("a***@example.com");
    expect(maskEmail("no-at-sign")).toBe("***");
    expect(maskPhone("+447700900123")).toBe("+4477****123");
    expect(maskPhone("+12345678")).toBe("+1****678");
    expect(maskRecipient("SMS", "+447700900123")).toBe("+4477****123");
    expect(maskRecipient("EMAIL", "bob@shop.dev")).toBe("b***@shop.dev");
  });
});

describe("E.164", () => {
  it.each(["+447700900123", "+14155550123", "+12345678", "+123456789012345"])("accepts %s", (n) =>
    expect(E164.test(n)).toBe(true),
  );
  it.each(["447700900123", "+0447700900123", "+1234567", "+1234567890123456", "+44 7700 900123", ""])(
    "rejects %j",
    (n) => expect(E164.test(n)).toBe(false),
  );
});

describe("SMS numbers (libphonenumber-js, full metadata)", () => {
  it.each([
    ["+447911123456", "+447911123456"],
    [" +44 7911 123456 ", "+447911123456"],
    ["+1 (415) 555-2671", "+14155552671"],
    ["+33 6 12 34 56 78", "+33612345678"],
  ])("accepts %j as %s", (input, number) => expect(checkSmsNumber(input)).toEqual({ ok: true, number }));
  it.each(["+44 909 879 0000", "+19005551234", "+41 901 123 456"])("refuses the premium-rate number %j", (n) => {
    expect(checkSmsNumber(n)).toMatchObject({ ok: false, code: "PHONE_NUMBER_NOT_ALLOWED" });
  });
  // 07911… has no country; +447700900123 is Ofcom's drama range (not a real number); the rest are malformed.
  it.each([
    "07911123456",
    "+447700900123",
    "+44abc",
    "+1234567",
    "+",
    "",
    `+44${"1".repeat(40)}`,
    "+44 7911 123456\u0000",
  ])("refuses %j as invalid", (n) => {
    expect(checkSmsNumber(n)).toMatchObject({ ok: false, code: "INVALID_PHONE_NUMBER" });
  });
});

describe("templates", () => {
  it("formats money from the decimal string, without floats", () => {
    expect(formatMoney({ amount: "0.10", currencyCode: "EUR" })).toBe("€0.10");
    expect(formatMoney({ amount: "1234567.89", currencyCode: "GBP" })).toBe("£1234567.89");
  });

  it("names the order as the API does (SG-001042), its total with the currency and a link to it, in every order template", () => {
    const link = `https://shop.example.com/orders/${uuid}`;
    for (const kind of [
      "ORDER_CONFIRMED",
      "PAYMENT_FAILED",
      "ORDER_SHIPPED",
      "ORDER_DELIVERED",
      "ORDER_CANCELLED",
    ] as const) {
      const rendered = renderOrder(
        kind,
        { ...order, trackingNumber: "1Z999AA10123456784", reason: "card declined" },
        templates,
      );
      expect(rendered.title).toContain("SG-001042");
      expect(rendered.body).toContain("SG-001042");
      expect(rendered.body).toContain("$59.97");
      expect(`${rendered.title}${rendered.body}`).not.toContain("#");
      expect(rendered.email).toContain(rendered.body);
      expect(rendered.email).toContain(`View your order: ${link}`);
      expect(rendered.sms).toContain("SG-001042");
      expect(rendered.sms.endsWith(` ${link}`)).toBe(true);
      expect(rendered.sms.length).toBeLessThanOrEqual(320);
    }
    expect(renderOrder("ORDER_SHIPPED", { ...order, trackingNumber: "1Z999AA10123456784" }, templates).body).toContain(
      "Tracking number: 1Z999AA10123456784",
    );
    expect(renderOrder("ORDER_SHIPPED", { ...order, trackingNumber: null }, templates).body).toContain(
      "Tracking number: unavailable",
    );
    expect(renderOrder("ORDER_CONFIRMED", { ...order, number: 1_234_567 }, templates).title).toBe(
      "Order SG-1234567 confirmed",
    );
    expect(() => renderOrder("WELCOME", order, templates)).toThrow(/not an order notification/);
  });

  it("keeps the link whole in an SMS whose text is too long", () => {
    const long = renderOrder("PAYMENT_FAILED", { ...order, reason: "x".repeat(500) }, templates);
    expect(long.sms.length).toBe(320);
    expect(long.sms.endsWith(`https://shop.example.com/orders/${uuid}`)).toBe(true);
  });

  it("greets by first name and reports stock, linking to the storefront", () => {
    const welcome = renderWelcome("Casey Customer", templates);
    expect(welcome.body).toMatch(/^Hi Casey, thanks for joining Shopgraph!/);
    expect(welcome.email).toMatch(/^Hi Casey,\n\n/);
    expect(welcome.email).toContain("Start shopping: https://shop.example.com\n");
    expect(renderLowStock({ title: "Mug", quantityAvailable: 0 }, templates).body).toContain("out of stock");
  });
});

describe("planFor", () => {
  it("maps each consumed event type to its kind and recipients", () => {
    expect(planFor(createEnvelope("order.payment_failed", order), templates)).toMatchObject({
      rendered: { kind: "PAYMENT_FAILED" },
      recipients: [uuid],
      orderId: uuid,
    });
    expect(
      planFor(
        createEnvelope("inventory.low_stock", { productId: uuid, title: "Mug", quantityAvailable: 1 }),
        templates,
      ),
    ).toMatchObject({ rendered: { kind: "LOW_STOCK" }, recipients: "admins" });
    expect(
      planFor(
        createEnvelope("user.registered", { userId: uuid, email: "a@b.co", name: "A", role: "ADMIN" }),
        templates,
      ),
    ).toMatchObject({ contact: { role: "ADMIN" }, recipients: [uuid] });
    expect(planFor(createEnvelope("product.renamed", {}), templates)).toBeNull();
  });

  it("rejects bad payloads (retried, then dead-lettered) and unknown versions (dead-lettered at once)", () => {
    expect(() => planFor(createEnvelope("order.shipped", { ...order, number: "1042" }), templates)).toThrow(
      /invalid order.shipped v1 payload/,
    );
    expect(() => planFor(createEnvelope("order.shipped", order, { version: 2 }), templates)).toThrow(
      PermanentEventError,
    );
  });
});
