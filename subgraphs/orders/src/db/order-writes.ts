import { randomUUID } from "node:crypto";
import { currentTraceparent } from "@shopgraph/events";
import type { CurrencyCode } from "@shopgraph/subgraph-kit";
import { orderEvent, type OrderEventType } from "../domain/order-events.ts";
import type { PricedLine, ShippingAddress } from "../domain/order-validation.ts";
import type { Db } from "./client.ts";
import type {
  Order,
  OrderLine,
  OrderStatus,
  OrderWithLines,
  Payment,
  PaymentStatus,
  PlacedOrder,
} from "./order-rows.ts";
import { completeKey, releaseKey, type StoredResponse } from "./idempotency-repository.ts";
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

/**
 * Creates the order PENDING (saga step "reserving") with its lines and links it to its
 * idempotency key, in ONE statement (so atomically): the key update drives the inserts, so no
 * order is created for a key that vanished meanwhile. Ids are minted here (the schema's
 * `@default(uuid())` is client-side too); the lines are returned as written, not re-read.
 */
export async function createPendingOrder(
  db: Db,
  order: NewOrder,
  key: { customerId: string; key: string },
): Promise<OrderWithLines> {
  const { address } = order;
  const id = randomUUID();
  const lines: OrderLine[] = order.lines.map((line, i) => ({
    id: randomUUID(),
    orderId: id,
    position: i + 1,
    ...line,
  }));
  const rows = await db.$queryRaw<Order[]>`
    WITH keyed AS (
      UPDATE "IdempotencyRecord" SET "orderId" = ${id}::uuid
      WHERE "customerId" = ${key.customerId}::uuid AND "key" = ${key.key}
      RETURNING 1
    ), created AS (
      INSERT INTO "Order" ("id", "customerId", "status", "sagaStep", "currencyCode", "subtotalMinor", "totalMinor",
        "shipName", "shipLine1", "shipLine2", "shipCity", "shipPostalCode", "shipCountry")
      SELECT ${id}::uuid, ${order.customerId}::uuid, 'PENDING', 'reserving', ${order.currencyCode}::"CurrencyCode", ${order.subtotalMinor}::bigint, ${order.totalMinor}::bigint,
        ${address.name}, ${address.line1}, ${address.line2}, ${address.city}, ${address.postalCode}, ${address.country}
      FROM keyed
      RETURNING *
    ), written_lines AS (
      INSERT INTO "OrderLine" ("id", "orderId", "position", "productId", "title", "unitPriceMinor", "quantity", "lineTotalMinor")
      SELECT l."id", c."id", l."position", l."productId", l."title", l."unitPriceMinor", l."quantity", l."lineTotalMinor"
      FROM created c, unnest(
        ${lines.map((l) => l.id)}::uuid[], ${lines.map((l) => l.position)}::int[], ${lines.map((l) => l.productId)}::uuid[], ${lines.map((l) => l.title)}::text[],
        ${lines.map((l) => String(l.unitPriceMinor))}::bigint[], ${lines.map((l) => l.quantity)}::int[], ${lines.map((l) => String(l.lineTotalMinor))}::bigint[]
      ) AS l("id", "position", "productId", "title", "unitPriceMinor", "quantity", "lineTotalMinor")
    )
    SELECT * FROM created`;
  const created = rows[0];
  if (!created) throw new Error(`idempotency key of customer ${key.customerId} vanished before its order was created`);
  return { ...created, lines };
}

/**
 * Compare-and-set of a PENDING order's saga step. False means someone else (the recovery sweep)
 * moved the order on, and the caller no longer owns it. Touches updatedAt, which tells the sweep
 * the saga is alive: on this process's clock, as Prisma's @updatedAt did, because the sweep's cutoff
 * is on it too (PostgreSQL's now(), rounded to the column's milliseconds, could land just after a
 * cutoff taken at once and hide the saga from it). Raw SQL: twice per placeOrder, where Prisma's
 * updateMany cost more CPU.
 */
export async function advanceSagaStep(db: Db, id: string, from: string, to: string): Promise<boolean> {
  const count = await db.$executeRaw`
    UPDATE "Order" SET "sagaStep" = ${to}, "updatedAt" = ${new Date()}::timestamptz
    WHERE "id" = ${id}::uuid AND "status" = 'PENDING' AND "sagaStep" = ${from}`;
  return count === 1;
}

/** Claims a stuck order for recovery; optimistic on (status, step, updatedAt), so one sweeper wins. */
export async function claimStuckOrder(db: Db, order: Order, to: string): Promise<boolean> {
  const { count } = await db.order.updateMany({
    where: { id: order.id, status: order.status, sagaStep: order.sagaStep, updatedAt: order.updatedAt },
    data: { sagaStep: to },
  });
  return count === 1;
}

/** How a checkout ends: its status, payment row, event and the answer its idempotency key replays. */
export interface CheckoutEnding {
  /** The saga step the finisher owns; the ending applies only if the order is still there. */
  expectedStep: string;
  status: "PAID" | "PAYMENT_FAILED";
  payment: {
    status: PaymentStatus;
    amountMinor: bigint;
    currencyCode: CurrencyCode;
    providerRef: string | null;
    failureReason: string | null;
  };
  event: OrderEventType;
  reason?: string;
  response: StoredResponse;
}

/**
 * Applies a checkout's ending in ONE statement (so atomically): the guarded status change drives
 * the payment row, the outbox event and the key's answer, so none is written if the order was
 * overtaken (null). The event is built from the order in hand (only status changes here); the
 * order and payment come back as now stored, so placeOrder answers without reading them again.
 */
export async function finishCheckout(
  db: Db,
  order: OrderWithLines,
  ending: CheckoutEnding,
): Promise<PlacedOrder | null> {
  const event = orderEvent(
    ending.event,
    { ...order, status: ending.status },
    { reason: ending.reason, traceparent: currentTraceparent() ?? undefined },
  );
  const { payment } = ending;
  const rows = await db.$queryRaw<(Payment & { orderUpdatedAt: Date })[]>`
    WITH finished AS (
      UPDATE "Order" SET "status" = ${ending.status}::"OrderStatus", "sagaStep" = NULL, "updatedAt" = now()
      WHERE "id" = ${order.id}::uuid AND "status" = 'PENDING' AND "sagaStep" = ${ending.expectedStep}
      RETURNING "id", "updatedAt"
    ), payment AS (
      INSERT INTO "Payment" ("id", "orderId", "status", "amountMinor", "currencyCode", "providerRef", "failureReason")
      SELECT ${randomUUID()}::uuid, f."id", ${payment.status}::"PaymentStatus", ${payment.amountMinor}::bigint, ${payment.currencyCode}::"CurrencyCode",
        ${payment.providerRef}::text, ${payment.failureReason}::text
      FROM finished f
      RETURNING *
    ), outbox AS (
      INSERT INTO "OutboxEvent" ("id", "type", "version", "payload", "traceparent")
      SELECT ${randomUUID()}::uuid, ${event.type}, ${event.version}::int, ${JSON.stringify(event.payload)}::jsonb, ${event.traceparent}::text
      FROM finished
    ), answered AS (
      UPDATE "IdempotencyRecord" SET "state" = 'COMPLETED', "response" = ${JSON.stringify(ending.response)}::jsonb
      WHERE "orderId" IN (SELECT "id" FROM finished) AND "state" = 'IN_PROGRESS'
    )
    SELECT p.*, f."updatedAt" AS "orderUpdatedAt" FROM finished f JOIN payment p ON p."orderId" = f."id"`;
  const row = rows[0];
  if (!row) return null;
  const { orderUpdatedAt, ...stored } = row;
  const { lines, ...written } = order;
  return {
    order: { ...written, status: ending.status, sagaStep: null, updatedAt: orderUpdatedAt },
    lines,
    payment: stored,
  };
}

/**
 * Deletes a PENDING order that holds nothing. With a response (OUT_OF_STOCK) the key replays it;
 * without one (products was unreachable) the key is given back so the client may retry with it.
 */
export function discardPendingOrder(
  db: Db,
  orderId: string,
  key: { customerId: string; key: string },
  response: StoredResponse | null,
): Promise<boolean> {
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
  /** Columns set with the status (the tracking number, the next saga step). */
  data?: Partial<Pick<Order, "trackingNumber" | "sagaStep">>;
  event: OrderEventType;
  reason?: string;
}

/**
 * Changes status only from an expected one (WHERE status IN …), so of two concurrent transitions
 * exactly one wins; the event is written in the same transaction. Null when the guard failed.
 */
export function transitionOrder(db: Db, t: Transition): Promise<OrderWithLines | null> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.order.updateMany({
      where: { id: t.id, status: { in: [...t.from] } },
      data: { ...t.data, status: t.to },
    });
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
    const { count } = await tx.order.updateMany({
      where: { id: orderId, status: "CANCELLED", sagaStep: "cancelling" },
      data: { sagaStep: null },
    });
    if (count === 1 && refunded)
      await tx.payment.updateMany({ where: { orderId, status: "CAPTURED" }, data: { status: "REFUNDED" } });
    return count === 1;
  });
}
