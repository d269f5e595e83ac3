import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionDatabase, type TestDatabase } from "@shopgraph/testing";
import { createDb, type Db } from "../src/db/client.ts";
import { PaymentProviderError, type PaymentProvider } from "../src/domain/payment-provider.ts";
import { createDbProviderLedger } from "../src/payments/provider-ledger.ts";
import { createSimulatedPaymentProvider, type SimulatedProviderOptions } from "../src/payments/simulated-provider.ts";
import { ORDERS_MIGRATIONS } from "./harness.ts";

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await provisionDatabase("orders", ORDERS_MIGRATIONS);
  db = createDb(database.url, database.poolMax);
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const provider = (options: Partial<SimulatedProviderOptions> = {}): PaymentProvider =>
  createSimulatedPaymentProvider({ ledger: createDbProviderLedger(db), ...options });
const request = (token = "tok_visa", amountMinor = 1999n) => ({
  orderId: randomUUID(),
  amountMinor,
  currencyCode: "USD" as const,
  token,
});

describe("simulated payment provider", () => {
  it.each([
    ["tok_visa", "AUTHORIZED", null],
    ["tok_mastercard", "AUTHORIZED", null],
    ["tok_chargeDeclined", "DECLINED", "card_declined"],
    ["tok_insufficientFunds", "DECLINED", "insufficient_funds"],
    ["tok_whatever", "DECLINED", "card_declined"],
    ["4242424242424242", "DECLINED", "card_declined"],
  ])("%s → %s", async (token, status, declineCode) => {
    expect(await provider().authorize(request(token))).toMatchObject({ status, declineCode, capturedMinor: 0n });
  });

  it("is idempotent per order id: retries and concurrent duplicates leave one charge", async () => {
    const p = provider();
    const req = request();
    const results = await Promise.all(Array.from({ length: 20 }, () => p.authorize(req)));
    expect(new Set(results.map((r) => r.reference)).size).toBe(1);
    const captures = await Promise.all(Array.from({ length: 5 }, () => p.capture(req.orderId)));
    expect(captures.every((c) => c.status === "CAPTURED" && c.capturedMinor === 1999n)).toBe(true);
    const refunds = await Promise.all(Array.from({ length: 5 }, () => p.refund(req.orderId)));
    expect(refunds.every((r) => r.status === "REFUNDED" && r.refundedMinor === 1999n)).toBe(true);
    expect(await db.providerCharge.count({ where: { orderId: req.orderId } })).toBe(1);
  });

  it("refuses a different amount under the same order id and a capture of a declined charge", async () => {
    const p = provider();
    const req = request();
    await p.authorize(req);
    await expect(p.authorize({ ...req, amountMinor: 1n })).rejects.toMatchObject({ kind: "rejected" });
    const declined = request("tok_chargeDeclined");
    await p.authorize(declined);
    await expect(p.capture(declined.orderId)).rejects.toBeInstanceOf(PaymentProviderError);
    await expect(p.capture(randomUUID())).rejects.toMatchObject({ kind: "rejected" });
  });

  it("voids an authorization, and tombstones an order it never saw so it can never be charged", async () => {
    const p = provider();
    const held = request();
    await p.authorize(held);
    expect(await p.refund(held.orderId)).toMatchObject({ status: "VOIDED", capturedMinor: 0n });
    const unseen = request();
    expect(await p.refund(unseen.orderId)).toMatchObject({ status: "VOIDED", amountMinor: 0n });
    expect(await p.authorize(unseen)).toMatchObject({ status: "VOIDED" });
    await expect(p.capture(unseen.orderId)).rejects.toMatchObject({ kind: "rejected" });
    expect(await p.lookup(unseen.orderId)).toMatchObject({ status: "VOIDED" });
    expect(await p.lookup(randomUUID())).toBeNull();
  });

  it("never captures a voided authorization: a capture racing a refund either wins (then refunded) or is rejected", async () => {
    const p = provider();
    for (let i = 0; i < 20; i++) {
      const req = request();
      await p.authorize(req);
      const [capture, refund] = await Promise.allSettled([p.capture(req.orderId), p.refund(req.orderId)]);
      expect(refund.status).toBe("fulfilled");
      const final = await p.lookup(req.orderId);
      if (capture.status === "fulfilled") {
        // The capture took the money first: the refund gave it all back.
        expect(final).toMatchObject({ status: "REFUNDED", capturedMinor: 1999n, refundedMinor: 1999n });
      } else {
        expect(capture.reason).toMatchObject({ kind: "rejected" });
        expect(final).toMatchObject({ status: "VOIDED", capturedMinor: 0n });
      }
    }
    const voided = request();
    await p.authorize(voided);
    await p.refund(voided.orderId);
    await expect(p.capture(voided.orderId)).rejects.toMatchObject({ kind: "rejected" });
    expect(await p.lookup(voided.orderId)).toMatchObject({ status: "VOIDED", capturedMinor: 0n });
  });

  it("injects faults: 'before' never reaches the ledger, 'after' acts and loses the response", async () => {
    const before = request();
    await expect(
      provider({ faults: () => ({ kind: "unavailable", when: "before" }) }).authorize(before),
    ).rejects.toMatchObject({ kind: "unavailable" });
    expect(await provider().lookup(before.orderId)).toBeNull();
    const after = request();
    await expect(
      provider({ faults: () => ({ kind: "timeout", when: "after" }) }).authorize(after),
    ).rejects.toMatchObject({ kind: "timeout" });
    expect(await provider().lookup(after.orderId)).toMatchObject({ status: "AUTHORIZED" });
  });

  it("fails the configured share of calls at random, and turns latency beyond the timeout into a timeout after acting", async () => {
    await expect(provider({ failureRate: 1, random: () => 0 }).lookup(randomUUID())).rejects.toBeInstanceOf(
      PaymentProviderError,
    );
    expect(await provider({ failureRate: 0.5, random: () => 0.9 }).lookup(randomUUID())).toBeNull();
    const slow = request();
    await expect(provider({ latencyMs: 50, timeoutMs: 10 }).authorize(slow)).rejects.toMatchObject({ kind: "timeout" });
    expect(await provider().lookup(slow.orderId)).toMatchObject({ status: "AUTHORIZED" });
  });
});
