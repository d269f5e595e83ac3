import { userError, type UserError } from "@shopgraph/errors";
import type { StoredResponse } from "../db/idempotency-repository.ts";
import type { PlacedOrder } from "../db/order-rows.ts";
import { finishCheckout } from "../db/order-writes.ts";
import type { CheckoutDeps } from "./checkout-deps.ts";
import type { OrderWithLines } from "./order-events.ts";
import type { ChargeRecord } from "./payment-provider.ts";

/** Declines a customer can act on get their own code; anything else is a generic PAYMENT_FAILED. */
const DECLINES: Readonly<Record<string, { code: string; message: string }>> = {
  card_declined: { code: "CARD_DECLINED", message: "Your card was declined" },
  insufficient_funds: { code: "INSUFFICIENT_FUNDS", message: "Your card has insufficient funds" },
};

/** The userError a failed payment answers with. */
export function paymentFailureError(reason: string): UserError {
  const decline = DECLINES[reason];
  if (decline) return userError(decline.code, decline.message, ["input", "paymentToken"]);
  return userError("PAYMENT_FAILED", "The payment could not be completed and you were not charged; please try again");
}

/** Thrown when recovery took an order over from a live saga (or another sweeper). */
export class SagaSupersededError extends Error {
  constructor(orderId: string) {
    super(`checkout of order ${orderId} was taken over by recovery`);
    this.name = "SagaSupersededError";
  }
}

/** What a checkout that ran answers: the key's stored answer and, when it kept an order, that order as written. */
export interface CheckoutResult extends StoredResponse {
  /** Absent when the answer is replayed or no order was kept: the caller reads the order by id then. */
  placed?: PlacedOrder;
}

/** PAID: stock committed and money captured; emits order.confirmed and answers the key. */
export async function endPaid(
  deps: CheckoutDeps,
  order: OrderWithLines,
  expectedStep: string,
  charge: ChargeRecord,
): Promise<CheckoutResult> {
  const response: StoredResponse = { orderId: order.id, userErrors: [] };
  const placed = await finishCheckout(deps.db, order, {
    expectedStep,
    status: "PAID",
    payment: {
      status: "CAPTURED",
      amountMinor: order.totalMinor,
      currencyCode: order.currencyCode,
      providerRef: charge.reference,
      failureReason: null,
    },
    event: "order.confirmed",
    response,
  });
  if (!placed) throw new SagaSupersededError(order.id);
  return { ...response, placed };
}

/** How a failed checkout is recorded. */
export interface Failure {
  reason: string;
  /** DECLINED when no money was kept; REFUNDED when captured money was given back. */
  paymentStatus: "DECLINED" | "REFUNDED";
  providerRef: string | null;
  userError?: UserError;
}

/** PAYMENT_FAILED: stock already released, no money kept; emits order.payment_failed. */
export async function endFailed(
  deps: CheckoutDeps,
  order: OrderWithLines,
  expectedStep: string,
  failure: Failure,
): Promise<CheckoutResult> {
  const response: StoredResponse = {
    orderId: order.id,
    userErrors: [failure.userError ?? paymentFailureError(failure.reason)],
  };
  const placed = await finishCheckout(deps.db, order, {
    expectedStep,
    status: "PAYMENT_FAILED",
    payment: {
      status: failure.paymentStatus,
      amountMinor: order.totalMinor,
      currencyCode: order.currencyCode,
      providerRef: failure.providerRef,
      failureReason: failure.reason,
    },
    event: "order.payment_failed",
    reason: failure.reason,
    response,
  });
  if (!placed) throw new SagaSupersededError(order.id);
  return { ...response, placed };
}
