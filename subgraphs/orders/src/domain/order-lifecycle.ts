import type { Viewer } from "@shopgraph/auth";
import { DomainError, userError } from "@shopgraph/errors";
import { isUuid } from "@shopgraph/subgraph-kit";
import { findOrdersByIds, type Order, type OrderStatus } from "../db/order-repository.ts";
import { finishCancellation, transitionOrder, type Transition } from "../db/order-writes.ts";
import { reachStep, type CheckoutDeps } from "./checkout-deps.ts";
import { ensureReleased } from "./checkout-saga.ts";
import { formatOrderNumber } from "@shopgraph/events";

/** Tracking numbers are carrier references, never longer than this. */
export const MAX_TRACKING_NUMBER_LENGTH = 64;

const notFound = () => new DomainError(userError("NOT_FOUND", "Order not found", ["id"]));
const invalidTransition = (order: Order, to: OrderStatus) =>
  new DomainError(
    userError(
      "INVALID_STATUS_TRANSITION",
      `Order ${formatOrderNumber(order.number)} is ${order.status} and cannot become ${to}`,
      ["id"],
    ),
  );

async function findOrder(deps: CheckoutDeps, id: string): Promise<Order | undefined> {
  return isUuid(id) ? (await findOrdersByIds(deps.db, [id]))[0] : undefined;
}

/** Applies a guarded transition; a lost race reports the status that won, and changes nothing. */
async function transition(deps: CheckoutDeps, order: Order, t: Transition): Promise<Order> {
  if (!t.from.includes(order.status)) throw invalidTransition(order, t.to);
  const changed = await transitionOrder(deps.db, t);
  if (changed) return changed;
  throw invalidTransition((await findOrder(deps, order.id)) ?? order, t.to);
}

/**
 * The owner before shipping, or an ADMIN (also once shipped): releases stock and refunds the
 * captured payment. The status change and its event commit first (sagaStep "cancelling"); the
 * compensation follows, and if products or the provider are down the recovery sweep finishes it.
 * Another customer's order is NOT_FOUND, never a hint that it exists.
 */
export async function cancelOrder(deps: CheckoutDeps, viewer: Viewer, id: string): Promise<Order> {
  const order = await findOrder(deps, id);
  const isAdmin = viewer.role === "ADMIN";
  if (!order || (!isAdmin && order.customerId !== viewer.id)) throw notFound();
  const from: OrderStatus[] = isAdmin ? ["PAID", "SHIPPED"] : ["PAID"];
  const reason = order.customerId === viewer.id ? "cancelled_by_customer" : "cancelled_by_admin";
  await transition(deps, order, {
    id: order.id,
    from,
    to: "CANCELLED",
    data: { sagaStep: "cancelling" },
    event: "order.cancelled",
    reason,
  });
  try {
    await completeCancellation(deps, order.id);
  } catch (error) {
    deps.logger.error(
      { err: error, orderId: order.id },
      "cancellation compensation failed; the recovery sweep will finish it",
    );
  }
  return (await findOrder(deps, order.id)) ?? order;
}

/** Second half of a cancellation (also run by recovery): stock back, money back, payment REFUNDED. */
export async function completeCancellation(deps: CheckoutDeps, orderId: string): Promise<void> {
  await reachStep(deps, "cancel", orderId);
  await ensureReleased(deps, orderId);
  const refund = await deps.payments.refund(orderId);
  await finishCancellation(deps.db, orderId, refund.status === "REFUNDED");
}

/** ADMIN: PAID → SHIPPED, with an optional carrier tracking number (≤ 64 characters). */
export async function markOrderShipped(
  deps: CheckoutDeps,
  id: string,
  trackingNumber: string | null | undefined,
): Promise<Order> {
  const tracking = trackingNumber?.trim() || null;
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (tracking && (tracking.length > MAX_TRACKING_NUMBER_LENGTH || /[\u0000-\u001f\u007f]/.test(tracking))) {
    throw new DomainError(
      userError(
        "INVALID_TRACKING_NUMBER",
        `trackingNumber must be at most ${MAX_TRACKING_NUMBER_LENGTH} printable characters`,
        ["trackingNumber"],
      ),
    );
  }
  const order = await findOrder(deps, id);
  if (!order) throw notFound();
  return transition(deps, order, {
    id: order.id,
    from: ["PAID"],
    to: "SHIPPED",
    data: { trackingNumber: tracking },
    event: "order.shipped",
  });
}

/** ADMIN: SHIPPED → DELIVERED. */
export async function markOrderDelivered(deps: CheckoutDeps, id: string): Promise<Order> {
  const order = await findOrder(deps, id);
  if (!order) throw notFound();
  return transition(deps, order, { id: order.id, from: ["SHIPPED"], to: "DELIVERED", event: "order.delivered" });
}
