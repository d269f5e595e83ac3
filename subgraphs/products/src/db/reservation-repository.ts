import type { Db, Tx } from "./client.ts";
import { Prisma, type ReservationStatus } from "./generated/client.ts";
import { RESERVED_SQL } from "./product-repository.ts";

/** A product row locked for a stock decision, with what is available now. */
export interface LockedProduct {
  id: string;
  title: string;
  stock: number;
  archived: boolean;
  available: number;
}

/** One line of an order's reservation. */
export interface ReservationRow {
  productId: string;
  quantity: number;
  status: ReservationStatus;
  expired: boolean;
}

/**
 * Locks the products (SELECT … FOR UPDATE, in id order so two checkouts sharing products always
 * lock in the same order and cannot deadlock) and reads their availability once the locks are
 * held: in READ COMMITTED each statement sees what committed before it, so the sum of active
 * reservations is current for as long as this transaction holds the locks.
 */
export async function lockProducts(tx: Tx, ids: readonly string[]): Promise<LockedProduct[]> {
  await tx.$queryRaw`SELECT p."id" FROM "Product" p WHERE p."id" = ANY(${[...ids]}::uuid[]) ORDER BY p."id" FOR UPDATE`;
  return tx.$queryRaw<LockedProduct[]>`
    SELECT p."id", p."title", p."stock", p."archivedAt" IS NOT NULL AS "archived",
      (p."stock" - ${RESERVED_SQL(Prisma.sql`p."id"`)})::int AS "available"
    FROM "Product" p WHERE p."id" = ANY(${[...ids]}::uuid[]) ORDER BY p."id"`;
}

/** An order's reservation lines without locks (to learn which products to lock first). */
export function peekReservation(db: Db | Tx, orderId: string): Promise<{ productId: string }[]> {
  return db.stockReservation.findMany({ where: { orderId }, select: { productId: true }, orderBy: { productId: "asc" } });
}

/** An order's reservation lines, row-locked (the expiry sweep waits for this transaction). */
export function lockReservation(tx: Tx, orderId: string): Promise<ReservationRow[]> {
  return tx.$queryRaw<ReservationRow[]>`
    SELECT r."productId", r."quantity", r."status", r."expiresAt" <= now() AS "expired"
    FROM "StockReservation" r WHERE r."orderId" = ${orderId}::uuid ORDER BY r."productId" FOR UPDATE`;
}

/** Creates the order's reservation lines, ACTIVE until now + ttl (database clock). */
export async function insertReservation(tx: Tx, orderId: string, lines: readonly { productId: string; quantity: number }[], ttlSeconds: number): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "StockReservation" ("id", "orderId", "productId", "quantity", "status", "expiresAt", "updatedAt")
    SELECT gen_random_uuid(), ${orderId}::uuid, l."productId", l."quantity", 'ACTIVE', now() + make_interval(secs => ${ttlSeconds}::float8), now()
    FROM unnest(${lines.map((l) => l.productId)}::uuid[], ${lines.map((l) => l.quantity)}::int[]) AS l("productId", "quantity")`;
}

/** Re-activates an expired or released reservation with a fresh expiry. */
export async function reactivateReservation(tx: Tx, orderId: string, ttlSeconds: number): Promise<void> {
  await tx.$executeRaw`
    UPDATE "StockReservation" SET "status" = 'ACTIVE', "expiresAt" = now() + make_interval(secs => ${ttlSeconds}::float8), "updatedAt" = now()
    WHERE "orderId" = ${orderId}::uuid`;
}

/** Moves every line of the order to `status`. */
export async function setReservationStatus(tx: Tx, orderId: string, status: ReservationStatus): Promise<void> {
  await tx.$executeRaw`
    UPDATE "StockReservation" SET "status" = ${status}::"ReservationStatus", "updatedAt" = now() WHERE "orderId" = ${orderId}::uuid`;
}

/** Adds `sign × quantity` of each line to its product's stock (commit takes units out, cancellation puts them back). */
export async function applyToStock(tx: Tx, lines: readonly { productId: string; quantity: number }[], sign: 1 | -1): Promise<void> {
  await tx.$executeRaw`
    UPDATE "Product" p SET "stock" = p."stock" + ${sign}::int * l."quantity"
    FROM unnest(${lines.map((l) => l.productId)}::uuid[], ${lines.map((l) => l.quantity)}::int[]) AS l("productId", "quantity")
    WHERE p."id" = l."productId"`;
}

/**
 * Releases every ACTIVE reservation past its expiry. Safe to run on every instance at once: the
 * conditional UPDATE re-checks each row under its row lock, so a line committed meanwhile stays
 * committed.
 */
export function releaseExpiredReservations(db: Db): Promise<number> {
  return db.$executeRaw`
    UPDATE "StockReservation" SET "status" = 'RELEASED', "updatedAt" = now() WHERE "status" = 'ACTIVE' AND "expiresAt" <= now()`;
}
