import { deleteAbandonedKeys, deleteExpiredKeys } from "../db/idempotency-repository.ts";
import { findOrderWithLines, findStuckOrders, type Order } from "../db/order-repository.ts";
import { claimStuckOrder } from "../db/order-writes.ts";
import type { CheckoutDeps } from "./checkout-deps.ts";
import { endFailed } from "./checkout-endings.ts";
import { completeAfterCharge, ensureReleased, settleUnknownCharge } from "./checkout-saga.ts";
import { completeCancellation } from "./order-lifecycle.ts";

/** Options for {@link recoverStuckOrders}. */
export interface RecoveryOptions {
  /** Only sagas untouched for this long are taken over (live ones keep touching updatedAt). */
  olderThanMs: number;
  /** Orders handled per sweep. Default 100. */
  limit?: number;
}

/** What one sweep did. */
export interface RecoveryReport {
  examined: number;
  recovered: number;
  failed: number;
  expiredKeys: number;
  abandonedKeys: number;
}

/**
 * The recovery sweep: finishes every saga a crash or an outage left behind (PENDING checkouts,
 * cancellations still owing a refund) and forgets expired or abandoned idempotency keys. Failures are logged
 * and retried on the next sweep; no order stays PENDING for good while the services come back.
 */
export async function recoverStuckOrders(deps: CheckoutDeps, options: RecoveryOptions): Promise<RecoveryReport> {
  const now = new Date();
  const cutoff = new Date(now.getTime() - options.olderThanMs);
  const stuck = await findStuckOrders(deps.db, cutoff, options.limit ?? 100);
  let recovered = 0;
  let failed = 0;
  for (const order of stuck) {
    try {
      if (await recoverOrder(deps, order)) recovered++;
    } catch (error) {
      failed++;
      deps.logger.error(
        { err: error, orderId: order.id, sagaStep: order.sagaStep },
        "order recovery failed; the next sweep retries",
      );
    }
  }
  const expiredKeys = await deleteExpiredKeys(deps.db, now);
  const abandonedKeys = await deleteAbandonedKeys(deps.db, cutoff);
  if (stuck.length > 0 || abandonedKeys > 0)
    deps.logger.info({ examined: stuck.length, recovered, failed, abandonedKeys }, "recovery sweep");
  return { examined: stuck.length, recovered, failed, expiredKeys, abandonedKeys };
}

/** Recovers one order; false when another sweeper (or the live saga) got there first. */
async function recoverOrder(deps: CheckoutDeps, stale: Order): Promise<boolean> {
  if (stale.status === "CANCELLED") {
    if (!(await claimStuckOrder(deps.db, stale, "cancelling"))) return false;
    await completeCancellation(deps, stale.id);
    return true;
  }
  if (stale.status !== "PENDING")
    throw new Error(`order ${stale.id} is ${stale.status} with saga step ${stale.sagaStep}`);
  // Claiming rewrites the step, so a live saga's next compare-and-set fails and it stands down.
  if (!(await claimStuckOrder(deps.db, stale, "recovering"))) return false;
  const order = await findOrderWithLines(deps.db, stale.id);
  if (!order) return false;
  if (stale.sagaStep === "reserving") {
    // "charging" is recorded before the provider is called: no money can have moved yet.
    await ensureReleased(deps, order.id);
    await endFailed(deps, order, "recovering", { reason: "abandoned", paymentStatus: "DECLINED", providerRef: null });
    return true;
  }
  // Later steps (or an earlier sweeper that died mid-way): the provider's ledger is the truth.
  const charge = await settleUnknownCharge(deps.payments, order.id);
  await completeAfterCharge(deps, order, charge, "recovering", "abandoned");
  return true;
}
