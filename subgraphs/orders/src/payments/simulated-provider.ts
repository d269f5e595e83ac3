import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  PaymentProviderError,
  type ChargeRecord,
  type PaymentProvider,
  type PaymentProviderErrorKind,
} from "../domain/payment-provider.ts";
import type { ProviderLedger } from "./provider-ledger.ts";

/** Provider operations, for fault injection. */
export type ProviderOperation = "authorize" | "capture" | "refund" | "lookup";

/**
 * An injected failure. "before": the request never reaches the provider. "after": the provider
 * acts but the response is lost, which is the case that makes money go missing if handled badly.
 */
export interface ProviderFault {
  kind: Exclude<PaymentProviderErrorKind, "rejected">;
  when: "before" | "after";
}

/** Decides, per call, whether to fail it (tests script this; production leaves it unset). */
export type FaultPlan = (operation: ProviderOperation, orderId: string) => ProviderFault | undefined;

/** Options for {@link createSimulatedPaymentProvider}. */
export interface SimulatedProviderOptions {
  ledger: ProviderLedger;
  /** Added to every call. Default 0. */
  latencyMs?: number;
  /** A call whose latency exceeds this fails as a timeout after acting. Default 10 000. */
  timeoutMs?: number;
  /** Share (0–1) of calls failing at random with a timeout or a 5xx, before or after acting. Default 0. */
  failureRate?: number;
  /** Deterministic faults, consulted before the random ones. */
  faults?: FaultPlan;
  random?: () => number;
}

/** Test tokens and what they do; any other token is declined like a bad card. */
const TOKEN_OUTCOMES: Readonly<Record<string, string | null>> = {
  tok_visa: null,
  tok_mastercard: null,
  tok_chargeDeclined: "card_declined",
  tok_insufficientFunds: "insufficient_funds",
};

const newReference = () => `ch_${randomBytes(12).toString("hex")}`;

/**
 * A payment provider simulated over its own ledger, with Stripe-like test tokens, configurable
 * latency and failure injection so every error path of the checkout saga can be exercised.
 */
export function createSimulatedPaymentProvider(options: SimulatedProviderOptions): PaymentProvider {
  const { ledger } = options;
  const latencyMs = options.latencyMs ?? 0;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const failureRate = options.failureRate ?? 0;
  const random = options.random ?? Math.random;

  function randomFault(): ProviderFault | undefined {
    if (failureRate === 0 || random() >= failureRate) return undefined;
    return { kind: random() < 0.5 ? "timeout" : "unavailable", when: random() < 0.5 ? "before" : "after" };
  }

  async function call<T>(operation: ProviderOperation, orderId: string, act: () => Promise<T>): Promise<T> {
    const fault = options.faults?.(operation, orderId) ?? randomFault();
    const fail = (kind: ProviderFault["kind"]) =>
      new PaymentProviderError(
        kind,
        kind === "timeout"
          ? `payment provider timed out (${operation})`
          : `payment provider unavailable: 503 (${operation})`,
      );
    if (latencyMs > 0) await sleep(Math.min(latencyMs, timeoutMs));
    if (fault?.when === "before") throw fail(fault.kind);
    const result = await act();
    if (fault?.when === "after" || latencyMs > timeoutMs) throw fail(fault?.kind ?? "timeout");
    return result;
  }

  const rejected = (message: string) => new PaymentProviderError("rejected", message);

  return {
    authorize: (request) =>
      call("authorize", request.orderId, async () => {
        const declineCode = request.token in TOKEN_OUTCOMES ? (TOKEN_OUTCOMES[request.token] ?? null) : "card_declined";
        const charge = {
          orderId: request.orderId,
          reference: newReference(),
          amountMinor: request.amountMinor,
          currencyCode: request.currencyCode,
          declineCode,
        };
        // The common case is a first authorization: one insert, which also tells a retry apart.
        const created = await ledger.insertNew({ ...charge, status: declineCode ? "DECLINED" : "AUTHORIZED" });
        if (created) return created;
        const existing = await ledger.find(request.orderId);
        if (!existing) throw rejected(`charge for ${request.orderId} disappeared`);
        // Same idempotency key, different amount: a real provider refuses rather than guess.
        if (existing.status !== "VOIDED" && existing.amountMinor !== request.amountMinor)
          throw rejected("amount differs from the existing charge for this order");
        return existing;
      }),

    capture: (orderId) =>
      call("capture", orderId, async () => {
        const captured = await ledger.captureAuthorized(orderId);
        if (captured) return captured;
        const charge = await ledger.find(orderId);
        if (charge?.status === "CAPTURED" || charge?.status === "REFUNDED") return charge;
        throw rejected(`cannot capture a ${charge?.status ?? "missing"} charge`);
      }),

    refund: (orderId) =>
      call("refund", orderId, async () => {
        const charge = await ledger.find(orderId);
        if (!charge) {
          const tombstone = await ledger.insertIfAbsent({
            orderId,
            reference: newReference(),
            status: "VOIDED",
            amountMinor: 0n,
            currencyCode: null,
            declineCode: "voided",
          });
          // Lost the race to a concurrent authorization: refund what it recorded instead.
          return tombstone.status === "VOIDED" ? tombstone : refundExisting(tombstone);
        }
        return refundExisting(charge);
      }),

    lookup: (orderId) => call("lookup", orderId, () => ledger.find(orderId)),
  };

  // Retried because a concurrent capture can move AUTHORIZED to CAPTURED under our feet.
  async function refundExisting(charge: ChargeRecord): Promise<ChargeRecord> {
    let current = charge;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (current.status === "CAPTURED")
        current = settled(
          await ledger.transition(current.orderId, "CAPTURED", {
            status: "REFUNDED",
            refundedMinor: current.capturedMinor,
          }),
          current.orderId,
        );
      else if (current.status === "AUTHORIZED")
        current = settled(
          await ledger.transition(current.orderId, "AUTHORIZED", { status: "VOIDED", declineCode: "voided" }),
          current.orderId,
        );
      else return current;
    }
    return current;
  }
}

// A guarded transition that matched nothing was overtaken by a concurrent one; the row is the truth.
function settled(charge: ChargeRecord | null, orderId: string): ChargeRecord {
  if (!charge) throw new PaymentProviderError("rejected", `charge for ${orderId} disappeared`);
  return charge;
}
