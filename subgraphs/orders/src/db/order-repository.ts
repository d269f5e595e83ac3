import { decodeCreatedAtCursor } from "@shopgraph/subgraph-kit";
import type { Db, DbTx } from "./client.ts";
import { Prisma } from "./generated/client.ts";
import type { Order, OrderLine, OrderStatus, OrderWithLines, Payment } from "./order-rows.ts";

export type { Order, OrderLine, OrderStatus, Payment };

/** Which orders a list shows: a customer's own, optionally one status. */
export interface OrderFilter {
  customerId?: string;
  status?: OrderStatus;
}

/** Orders by id, in one query (DataLoader batches). */
export function findOrdersByIds(db: Db, ids: readonly string[]): Promise<Order[]> {
  return db.order.findMany({ where: { id: { in: [...ids] } } });
}

/**
 * The lines of many orders in one query, in line order. Raw SQL: the heavy admin query reads about
 * 400 lines here, where Prisma's findMany costs about a third more CPU (issue 16 §3).
 */
export function findLinesByOrderIds(db: Db, orderIds: readonly string[]): Promise<OrderLine[]> {
  return db.$queryRaw<OrderLine[]>`
    SELECT l."id", l."orderId", l."position", l."productId", l."title", l."unitPriceMinor", l."quantity", l."lineTotalMinor"
    FROM "OrderLine" l WHERE l."orderId" = ANY(${[...orderIds]}::uuid[]) ORDER BY l."orderId", l."position"`;
}

/** The payments of many orders in one query, newest first (the first per order is "the" payment). */
export function findPaymentsByOrderIds(db: Db, orderIds: readonly string[]): Promise<Payment[]> {
  return db.payment.findMany({
    where: { orderId: { in: [...orderIds] } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}

/** One order with its lines. */
export function findOrderWithLines(db: DbTx, id: string): Promise<OrderWithLines | null> {
  return db.order.findUnique({ where: { id }, include: { lines: { orderBy: { position: "asc" } } } });
}

const whereOf = (filter: OrderFilter): Prisma.OrderWhereInput => ({
  ...(filter.customerId ? { customerId: filter.customerId } : {}),
  ...(filter.status ? { status: filter.status } : {}),
});

/** Rows of `"Order" o` after a newest-first cursor (createdAt DESC, id DESC): strictly older, ties by id. */
export const olderThanCursor = (after: { createdAt: string; id: string }): Prisma.Sql =>
  Prisma.sql`(o."createdAt", o."id") < (${after.createdAt}::timestamptz, ${after.id}::uuid)`;

/**
 * A newest-first page of orders (fetches first + 1 to know whether there is more). Raw SQL: the
 * heavy admin query lists 100 orders here, where Prisma's findMany costs about a third more CPU
 * (issue 16 §3). The cursor is the (createdAt, id) pair of createdAtCursor, as with Prisma.
 */
export function listOrders(
  db: Db,
  filter: OrderFilter,
  first: number,
  after: string | null | undefined,
): Promise<Order[]> {
  const where: Prisma.Sql[] = [];
  if (filter.customerId) where.push(Prisma.sql`o."customerId" = ${filter.customerId}::uuid`);
  if (filter.status) where.push(Prisma.sql`o."status" = ${filter.status}::"OrderStatus"`);
  const cursor = decodeCreatedAtCursor(after);
  if (cursor) where.push(olderThanCursor(cursor));
  return db.$queryRaw<Order[]>`
    SELECT o.* FROM "Order" o ${where.length > 0 ? Prisma.sql`WHERE ${Prisma.join(where, " AND ")}` : Prisma.empty}
    ORDER BY o."createdAt" DESC, o."id" DESC LIMIT ${first + 1}`;
}

/** Number of orders matching a filter. */
export const countOrders = (db: Db, filter: OrderFilter): Promise<number> => db.order.count({ where: whereOf(filter) });

/**
 * Orders whose saga has not moved since `cutoff` (inclusive: untouched for at least the age, so an
 * age of 0 takes over a saga touched in this very millisecond): abandoned checkouts and cancellations.
 */
export function findStuckOrders(db: Db, cutoff: Date, limit: number): Promise<Order[]> {
  return db.order.findMany({
    where: { sagaStep: { not: null }, updatedAt: { lte: cutoff } },
    orderBy: { updatedAt: "asc" },
    take: limit,
  });
}
