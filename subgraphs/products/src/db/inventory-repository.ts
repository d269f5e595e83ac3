import type { Tx } from "./client.ts";
import { Prisma } from "./generated/client.ts";
import { RESERVED_SQL } from "./product-repository.ts";

/** Stock after an adjustment, with the units held by active reservations. */
export interface AdjustedStock {
  title: string;
  stock: number;
  reserved: number;
}

/** Stock and reservations of a product, for explaining a refused adjustment. */
export interface StockState {
  stock: number;
  reserved: number;
}

/**
 * The adjustment itself: ONE conditional UPDATE, so stock can never end below the units promised
 * to pending checkouts (and so never below zero) nor above `maxStock`, whatever runs concurrently.
 * The caller holds the row lock first (see lockProducts): that way the reservation sum in the
 * condition is read after any concurrent reservation committed, not from a stale snapshot.
 * Null when the condition refused the change.
 */
export async function adjustStock(
  tx: Tx,
  productId: string,
  delta: number,
  maxStock: number,
): Promise<AdjustedStock | null> {
  const reserved = RESERVED_SQL(Prisma.sql`p."id"`);
  const rows = await tx.$queryRaw<AdjustedStock[]>`
    UPDATE "Product" p SET "stock" = p."stock" + ${delta}::int, "updatedAt" = now()
    WHERE p."id" = ${productId}::uuid
      AND p."stock"::bigint + ${delta}::bigint >= ${reserved}
      AND p."stock"::bigint + ${delta}::bigint <= ${maxStock}
    RETURNING p."title", p."stock", ${reserved}::int AS "reserved"`;
  return rows[0] ?? null;
}

/** Current stock and active reservations (the row is locked by the caller). */
export async function stockState(tx: Tx, productId: string): Promise<StockState | null> {
  const rows = await tx.$queryRaw<StockState[]>`
    SELECT p."stock", ${RESERVED_SQL(Prisma.sql`p."id"`)}::int AS "reserved" FROM "Product" p WHERE p."id" = ${productId}::uuid`;
  return rows[0] ?? null;
}
