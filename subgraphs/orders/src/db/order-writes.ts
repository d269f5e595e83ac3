import type { CurrencyCode } from "@shopgraph/subgraph-kit";
import { orderEvent, type OrderEventType, type OrderWithLines } from "../domain/order-events.ts";
import type { PricedLine, ShippingAddress } from "../domain/order-validation.ts";
import type { Db } from "./client.ts";
import type { Order, OrderStatus, PaymentStatus, Prisma } from "./generated/client.ts";
import { attachOrder, completeKey, completeKeysForOrder, releaseKey, type StoredResponse } from "./idempotency-repository.ts";
import { findOrderWithLines } from "./order-repository.ts";

/** A checkout's order before it exists. */
export interface NewOrder {
  customerId: string;
  currencyCode: CurrencyCode;
  subtotalMinor: bigint;
  totalMinor: bigint;
  address: ShippingAddress;
  lines: PricedLine[];
}

/** Creates the order PENDING (saga step "reserving") and links it to its idempotency key, atomically. */
export function createPendingOrder(db: Db, order: NewOrder, key: { customerId: string; key: string }): Promise<OrderWithLines> {
  const { address } = order;
  return db.$transaction(async (tx) => {
    const created = await tx.order.create({
      data: {
        customerId: order.customerId,
        status: "PENDING",
        sagaStep: "reserving",
        currencyCode: order.currencyCode,
        subtotalMinor: order.subtotalMinor,
        totalMinor: order.totalMinor,
        shipName: address.name,
        shipLine1: address.line1,
        shipLine2: address.line2,
        shipCity: address.city,
        shipPostalCode: address.postalCode,
        shipCountry: address.country,
        lines: { createMany: { data: order.lines.map((line, i) => ({ position: i + 1, ...line })) } },
      },
      include: { lines: { orderBy: { position: "asc" } } },
    });
    await attachOrder(tx, key.customerId, key.key, created.id);
    return created;
  });
}

/**
 * Compare-and-set of a PENDING order's saga step. False means someone else (the recovery sweep)
 * moved the order on, and the caller no longer owns it.
 */
export async function advanceSagaStep(db: Db, id: string, from: string, to: string): Promise<boolean> {
  const { count } = await db.order.updateMany({ where: { id, status: "PENDING", sagaStep: from }, data: { sagaStep: to } });
  return count === 1;
}

/** Claims a stuck order for recovery; optimistic on (status, step, updatedAt), so one sweeper wins. */
export async function claimStuckOrder(db: Db, order: Order, to: string): Promise<boolean> {
  const { count } = await db.order.updateMany({ where: { id: order.id, status: order.status, sagaStep: order.sagaStep, updatedAt: order.updatedAt }, data: { sagaStep: to } });
  return count === 1;
}

/** How a checkout ends: its status, payment row, event and the answer its idempotency key replays. */
export interface CheckoutEnding {
  orderId: string;
  /** The saga step the finisher owns; the ending applies only if the order is still there. */
  expectedStep: string;
  status: "PAID" | "PAYMENT_FAILED";
  payment: { status: PaymentStatus; amountMinor: bigint; currencyCode: CurrencyCode; providerRef: string | null; failureReason: string | null };
  event: OrderEventType;
  reason?: string;
  response: StoredResponse;
}

/** Applies a checkout's ending in one transaction (status, payment, outbox, key); false if overtaken. */
export function finishCheckout(db: Db, ending: CheckoutEnding): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.order.updateMany({ where: { id: ending.orderId, status: "PENDING", sagaStep: ending.expectedStep }, data: { status: ending.status, sagaStep: null } });
    if (count === 0) return false;
    const order = await findOrderWithLines(tx, ending.orderId);
    if (!order) throw new Error(`order ${ending.orderId} vanished inside its own transaction`);
    await tx.payment.create({ data: { orderId: order.id, ...ending.payment } });
    await tx.outboxEvent.create({ data: orderEvent(ending.event, order, { reason: ending.reason }) });
    await completeKeysForOrder(tx, order.id, ending.response);
    return true;
  });
}

/**
 * Deletes a PENDING order that holds nothing. With a response (OUT_OF_STOCK) the key replays it;
 * without one (products was unreachable) the key is given back so the client may retry with it.
 */
export function discardPendingOrder(db: Db, orderId: string, key: { customerId: string; key: string }, response: StoredResponse | null): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.order.deleteMany({ where: { id: orderId, status: "PENDING", sagaStep: "reserving" } });
    if (count === 0) return false;
    if (response) await completeKey(tx, key.customerId, key.key, response);
    else await releaseKey(tx, key.customerId, key.key);
    return true;
  });
}

/** A guarded status change with its outbox event, for the order lifecycle. */
export interface Transition {
  id: string;
  from: readonly OrderStatus[];
  to: OrderStatus;
  data?: Prisma.OrderUpdateManyMutationInput;
  event: OrderEventType;
  reason?: string;
}

/**
 * Changes status only from an expected one (WHERE status IN …), so of two concurrent transitions
 * exactly one wins; the event is written in the same transaction. Null when the guard failed.
 */
export function transitionOrder(db: Db, t: Transition): Promise<OrderWithLines | null> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.order.updateMany({ where: { id: t.id, status: { in: [...t.from] } }, data: { ...t.data, status: t.to } });
    if (count === 0) return null;
    const order = await findOrderWithLines(tx, t.id);
    if (!order) throw new Error(`order ${t.id} vanished inside its own transaction`);
    await tx.outboxEvent.create({ data: orderEvent(t.event, order, { reason: t.reason }) });
    return order;
  });
}

/** Ends a cancellation once stock is back and money refunded: the payment shows REFUNDED. */
export function finishCancellation(db: Db, orderId: string, refunded: boolean): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.order.updateMany({ where: { id: orderId, status: "CANCELLED", sagaStep: "cancelling" }, data: { sagaStep: null } });
    if (count === 1 && refunded) await tx.payment.updateMany({ where: { orderId, status: "CAPTURED" }, data: { status: "REFUNDED" } });
    return count === 1;
  });
}
