import { currentTraceparent } from "@shopgraph/telemetry";
import type { Db, Tx } from "./client.ts";
import { Prisma } from "./generated/client.ts";
import { RESERVED_SQL } from "./product-repository.ts";

/** A product row locked for a stock decision, with what is available now. */
export interface LockedProduct {
  id: string;
  title: string;
  stock: number;
  archived: boolean;
  available: number;
}

/** Where a reservation line stands (the database enum of the same name). */
export type ReservationStatus = "ACTIVE" | "COMMITTED" | "RELEASED";

/** One line of an order's reservation. */
export interface ReservationRow {
  productId: string;
  quantity: number;
  status: ReservationStatus;
  expired: boolean;
}

/**
 * Locks the products (SELECT … FOR UPDATE, in id order so two checkouts sharing products always
 * lock in the same order and cannot deadlock). Whatever reads availability must be a LATER
 * statement: in READ COMMITTED each statement sees what committed before it, so a sum of active
 * reservations read once the locks are held stays current for as long as this transaction holds them.
 */
async function lockProductRows(tx: Tx, ids: readonly string[]): Promise<void> {
  await tx.$queryRaw`SELECT p."id" FROM "Product" p WHERE p."id" = ANY(${[...ids]}::uuid[]) ORDER BY p."id" FOR UPDATE`;
}

const lockedProductColumns = Prisma.sql`p."id", p."title", p."stock", p."archivedAt" IS NOT NULL AS "archived",
  (p."stock" - ${RESERVED_SQL(Prisma.sql`p."id"`)})::int AS "available"`;

/** Locks the products (see {@link lockProductRows}) and then reads their availability. */
export async function lockProducts(tx: Tx, ids: readonly string[]): Promise<LockedProduct[]> {
  await lockProductRows(tx, ids);
  return tx.$queryRaw<
    LockedProduct[]
  >`SELECT ${lockedProductColumns} FROM "Product" p WHERE p."id" = ANY(${[...ids]}::uuid[]) ORDER BY p."id"`;
}

/** What {@link reserveIfFree} found and did. */
export interface ReserveAttempt {
  /** The requested products that exist, with availability read under their locks (after the insert, if any). */
  products: LockedProduct[];
  /** Reservation lines the order already had (then nothing was inserted). */
  existing: number;
  inserted: boolean;
}

/** The event recorded when a reservation takes a product's availability to `threshold` or below. */
export interface LowStockRule {
  type: string;
  threshold: number;
}

/**
 * The common case of a reservation as ONE statement outside any transaction (the migration's
 * `reserve_stock_if_free`, its own transaction): locks the products in id order, then inserts every
 * line ACTIVE until now + ttl (database clock) only if the order has no reservation yet and every
 * line is available, recording `lowStock` events in the same transaction. The locks are held only
 * while the server runs it, so a checkout burst never holds pooled connections through client round
 * trips. Otherwise it changes nothing and the caller decides from what it read.
 */
export async function reserveIfFree(
  db: Db,
  orderId: string,
  lines: readonly { productId: string; quantity: number }[],
  ttlSeconds: number,
  lowStock: LowStockRule,
): Promise<ReserveAttempt> {
  const rows = await db.$queryRaw<(Partial<LockedProduct> & { existing: number; inserted: boolean })[]>`
    SELECT * FROM "reserve_stock_if_free"(${orderId}::uuid, ${lines.map((l) => l.productId)}::uuid[],
      ${lines.map((l) => l.quantity)}::int[], ${ttlSeconds}::float8, ${lowStock.threshold}::int, ${lowStock.type},
      ${currentTraceparent()}::text)`;
  const first = rows[0];
  return {
    products: rows
      .filter((r) => r.id != null)
      .map(({ id, title, stock, archived, available }) => ({
        id: id!,
        title: title!,
        stock: stock!,
        archived: archived!,
        available: available!,
      })),
    existing: first?.existing ?? 0,
    inserted: first?.inserted ?? false,
  };
}

/**
 * commitStock's common case as ONE statement outside any transaction (the migration's
 * `commit_stock_if_active`, its own transaction): locks the order's products in id order, then its
 * reservation rows, and commits the reservation (every line COMMITTED, its units out of stock) only
 * if it has lines, not all COMMITTED, none expired or RELEASED. Returns the lines as read under the
 * locks, before any change, and whether it committed; the caller decides a refusal from them.
 */
export async function commitIfActive(db: Db, orderId: string): Promise<{ rows: ReservationRow[]; committed: boolean }> {
  const rows = await db.$queryRaw<(ReservationRow & { committed: boolean })[]>`
    SELECT * FROM "commit_stock_if_active"(${orderId}::uuid)`;
  return {
    rows: rows.map(({ productId, quantity, status, expired }) => ({ productId, quantity, status, expired })),
    committed: rows[0]?.committed ?? false,
  };
}

/** Locks the products an order's reservation holds (in id order, like {@link lockProductRows}), in one statement. */
export async function lockProductsOfOrder(tx: Tx, orderId: string): Promise<void> {
  await tx.$queryRaw`
    SELECT p."id" FROM "Product" p
    WHERE p."id" IN (SELECT r."productId" FROM "StockReservation" r WHERE r."orderId" = ${orderId}::uuid)
    ORDER BY p."id" FOR UPDATE OF p`;
}

/** An order's reservation lines, row-locked (the expiry sweep waits for this transaction). */
export function lockReservation(tx: Tx, orderId: string): Promise<ReservationRow[]> {
  return tx.$queryRaw<ReservationRow[]>`
    SELECT r."productId", r."quantity", r."status", r."expiresAt" <= now() AS "expired"
    FROM "StockReservation" r WHERE r."orderId" = ${orderId}::uuid ORDER BY r."productId" FOR UPDATE`;
}

/** Creates the order's reservation lines, ACTIVE until now + ttl (database clock). */
export async function insertReservation(
  tx: Tx,
  orderId: string,
  lines: readonly { productId: string; quantity: number }[],
  ttlSeconds: number,
): Promise<void> {
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

/**
 * Moves every line of the order to `status` and adds `sign × quantity` of `stockLines` to their
 * products' stock (commit takes units out, a cancelled sale puts them back), in ONE statement.
 * The caller holds the product and reservation row locks (see lockProductsOfOrder, lockReservation).
 */
export async function moveReservation(
  tx: Tx,
  orderId: string,
  status: ReservationStatus,
  stockLines: readonly { productId: string; quantity: number }[],
  sign: 1 | -1,
): Promise<void> {
  await tx.$executeRaw`
    WITH moved AS (
      UPDATE "StockReservation" SET "status" = ${status}::"ReservationStatus", "updatedAt" = now() WHERE "orderId" = ${orderId}::uuid
    )
    UPDATE "Product" p SET "stock" = p."stock" + ${sign}::int * l."quantity"
    FROM unnest(${stockLines.map((l) => l.productId)}::uuid[], ${stockLines.map((l) => l.quantity)}::int[]) AS l("productId", "quantity")
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
