import { userError, type UserError } from "@shopgraph/errors";
import type { StoredResponse } from "../db/idempotency-repository.ts";
import { findOrdersByIds } from "../db/order-repository.ts";
import { advanceSagaStep, discardPendingOrder } from "../db/order-writes.ts";
import { reachStep, type CheckoutDeps } from "./checkout-deps.ts";
import { endFailed, endPaid, SagaSupersededError, type CheckoutResult } from "./checkout-endings.ts";
import type { OrderWithLines } from "./order-events.ts";
import { PaymentProviderError, type ChargeRecord, type PaymentProvider } from "./payment-provider.ts";
import { ProductsUnavailableError, type StockError } from "./products-client.ts";

/**
 * The checkout saga for a PENDING order (steps: reserving → charging → committing). Each step is
 * recorded (compare-and-set on sagaStep) before its external call, so a crash leaves enough for
 * the recovery sweep, and a saga that lost its order to the sweep stops instead of fighting it.
 */
export async function runCheckout(
  deps: CheckoutDeps,
  order: OrderWithLines,
  key: { customerId: string; key: string },
  paymentToken: string,
): Promise<CheckoutResult> {
  try {
    await reachStep(deps, "reserve", order.id);
    let reservation;
    try {
      reservation = await deps.products.reserveStock(
        order.id,
        order.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
      );
    } catch (error) {
      if (!(error instanceof ProductsUnavailableError)) throw error;
      // Unknown outcome: undo whatever may have been reserved, then forget the attempt entirely
      // (key given back) so the customer can simply retry. If the release fails too, recovery finishes.
      await ensureReleased(deps, order.id);
      await discardPendingOrder(deps.db, order.id, key, null);
      throw error;
    }
    if (!reservation.ok) {
      // Products reserved nothing: the order never existed as far as the customer is concerned.
      const response: StoredResponse = { orderId: null, userErrors: reservation.errors.map(stockUserError) };
      if (!(await discardPendingOrder(deps.db, order.id, key, response))) throw new SagaSupersededError(order.id);
      return response;
    }
    if (!(await advanceSagaStep(deps.db, order.id, "reserving", "charging"))) throw new SagaSupersededError(order.id);
    await reachStep(deps, "charge", order.id);
    const charge = await chargeOrder(deps.payments, order, paymentToken);
    return await completeAfterCharge(deps, order, charge, "charging", "payment_unavailable");
  } catch (error) {
    if (error instanceof SagaSupersededError) await reconcileSuperseded(deps, order.id);
    throw error;
  }
}

/**
 * Second half of the saga, shared with recovery: a captured charge is committed and confirmed;
 * anything else releases the stock and fails the order (`lostReason` when money never moved).
 */
export async function completeAfterCharge(
  deps: CheckoutDeps,
  order: OrderWithLines,
  charge: ChargeRecord,
  step: string,
  lostReason: string,
): Promise<CheckoutResult> {
  if (charge.status !== "CAPTURED") {
    const reason = charge.status === "DECLINED" ? (charge.declineCode ?? "card_declined") : lostReason;
    await reachStep(deps, "release", order.id);
    await ensureReleased(deps, order.id);
    return endFailed(deps, order, step, { reason, paymentStatus: "DECLINED", providerRef: charge.reference });
  }
  if (!(await advanceSagaStep(deps.db, order.id, step, "committing"))) throw new SagaSupersededError(order.id);
  await reachStep(deps, "commit", order.id);
  const committed = await deps.products.commitStock(order.id);
  if (!committed.ok) {
    // The reservation is gone (expired or released): give the money back rather than sell stock we do not hold.
    const refund = await deps.payments.refund(order.id);
    await ensureReleased(deps, order.id);
    const outOfStock = userError("OUT_OF_STOCK", "The items could not be held for this order; you were refunded", [
      "input",
      "lines",
    ]);
    return endFailed(deps, order, "committing", {
      reason: "stock_unavailable",
      paymentStatus: "REFUNDED",
      providerRef: refund.reference,
      userError: outOfStock,
    });
  }
  await reachStep(deps, "confirm", order.id);
  return endPaid(deps, order, "committing", charge);
}

/**
 * Authorizes and captures; when a call fails, the provider's own record decides what happened.
 * The token is never stored: recovery only looks up, captures or refunds, which need no token.
 */
export async function chargeOrder(
  payments: PaymentProvider,
  order: OrderWithLines,
  token: string,
): Promise<ChargeRecord> {
  try {
    const authorization = await payments.authorize({
      orderId: order.id,
      amountMinor: order.totalMinor,
      currencyCode: order.currencyCode,
      token,
    });
    return authorization.status === "AUTHORIZED" ? await payments.capture(order.id) : authorization;
  } catch (error) {
    if (!(error instanceof PaymentProviderError) || error.kind === "rejected") throw error;
    return settleUnknownCharge(payments, order.id);
  }
}

/**
 * After a timeout or a crash: asks the provider by order id. An authorization is captured (the
 * checkout resumes); no record at all is voided, leaving a tombstone so that a request still in
 * flight can never charge the order later. A failing lookup propagates: the order stays PENDING
 * and recovery asks again later. Never guesses.
 */
export async function settleUnknownCharge(payments: PaymentProvider, orderId: string): Promise<ChargeRecord> {
  const truth = await payments.lookup(orderId);
  if (truth?.status === "AUTHORIZED") return payments.capture(orderId);
  if (truth) return truth;
  return payments.refund(orderId);
}

/** Releases the order's stock; a refusal (nothing held) is fine, an outage propagates. */
export async function ensureReleased(deps: CheckoutDeps, orderId: string): Promise<void> {
  const released = await deps.products.releaseStock(orderId);
  if (!released.ok) deps.logger.warn({ orderId, errors: released.errors }, "products refused to release stock");
}

/** Maps products' refusals to placeOrder userErrors pointing at the input line. */
function stockUserError(error: StockError): UserError {
  const field = error.lineIndex === null ? ["input", "lines"] : ["input", "lines", String(error.lineIndex)];
  if (error.code === "OUT_OF_STOCK") return userError("OUT_OF_STOCK", error.message || "Not enough stock", field);
  return userError("INVALID_LINE", error.message || "This product is not available", field);
}

/** A saga that lost its order to recovery: if recovery failed the order, a late reservation of ours must not leak. */
async function reconcileSuperseded(deps: CheckoutDeps, orderId: string): Promise<void> {
  const [order] = await findOrdersByIds(deps.db, [orderId]);
  if (order?.status === "PAYMENT_FAILED")
    await ensureReleased(deps, orderId).catch((err: unknown) =>
      deps.logger.error({ err, orderId }, "release after takeover failed"),
    );
}
