import { badUserInput, DomainError, userError, type UserError } from "@shopgraph/errors";
import { isUuid } from "@shopgraph/subgraph-kit";
import type { Db, Tx } from "../db/client.ts";
import { inTransaction } from "../db/transactions.ts";
import { insertOutboxEvents } from "../db/outbox.ts";
import {
  commitIfActive,
  insertReservation,
  lockProducts,
  lockProductsOfOrder,
  lockReservation,
  moveReservation,
  reactivateReservation,
  releaseExpiredReservations,
  reserveIfFree,
  type LockedProduct,
  type ReservationRow,
} from "../db/reservation-repository.ts";
import { MAX_STOCK } from "./catalog-rules.ts";
import { LOW_STOCK_EVENT, lowStockEvents } from "./low-stock.ts";

/** What reservations need. */
export interface ReservationDeps {
  db: Db;
  reservationTtlSeconds: number;
  lowStockThreshold: number;
}

/** One requested line (the service input StockLineInput). */
export interface StockLine {
  productId: string;
  quantity: number;
}

/** Lines per order a checkout may reserve at once. */
export const MAX_RESERVATION_LINES = 100;

interface MergedLine extends StockLine {
  /** Index of the line's first occurrence in the request (the userError field). */
  index: number;
}

function checkRequest(orderId: string, lines: readonly StockLine[]): MergedLine[] {
  if (!isUuid(orderId)) throw badUserInput("orderId must be a UUID", ["orderId"]);
  if (lines.length === 0 || lines.length > MAX_RESERVATION_LINES)
    throw badUserInput(`lines must hold 1–${MAX_RESERVATION_LINES} entries`, ["lines"]);
  const errors: UserError[] = [];
  const merged = new Map<string, MergedLine>();
  lines.forEach((line, index) => {
    if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_STOCK) {
      errors.push(
        userError("INVALID_QUANTITY", `Quantity must be 1–${MAX_STOCK}`, ["lines", String(index), "quantity"]),
      );
    } else if (!isUuid(line.productId)) {
      errors.push(userError("PRODUCT_UNAVAILABLE", "This product is not available", ["lines", String(index)]));
    } else {
      // The same product twice is one reservation line of the summed quantity.
      const key = line.productId.toLowerCase();
      const seen = merged.get(key);
      if (seen) seen.quantity += line.quantity;
      else merged.set(key, { productId: key, quantity: line.quantity, index });
    }
  });
  if (errors.length > 0) throw new DomainError(...errors);
  return [...merged.values()].sort((a, b) => (a.productId < b.productId ? -1 : 1));
}

/** The request's lines against the products: PRODUCT_UNAVAILABLE and OUT_OF_STOCK, all at once. */
function shortages(lines: readonly MergedLine[], products: Map<string, LockedProduct>): UserError[] {
  const inRequestOrder = [...lines].sort((a, b) => a.index - b.index);
  return inRequestOrder.flatMap((line) => {
    const field = ["lines", String(line.index)];
    const product = products.get(line.productId);
    if (!product || product.archived) return [userError("PRODUCT_UNAVAILABLE", "This product is not available", field)];
    if (product.available >= line.quantity) return [];
    const left = Math.max(product.available, 0);
    return [
      userError("OUT_OF_STOCK", `Only ${left} of "${product.title}" available (requested ${line.quantity})`, field),
    ];
  });
}

const sameLines = (rows: readonly ReservationRow[], lines: readonly MergedLine[]) =>
  rows.length === lines.length &&
  rows.every((row, i) => row.productId === lines[i]?.productId && row.quantity === lines[i]?.quantity);

/**
 * Reserves every line or none (OUT_OF_STOCK / PRODUCT_UNAVAILABLE name the lines at fault).
 * Idempotent per order: a live or committed reservation is answered as is; an expired or
 * released one is taken again if the stock is still there.
 */
export async function reserveStock(deps: ReservationDeps, orderId: string, lines: readonly StockLine[]): Promise<void> {
  const merged = checkRequest(orderId, lines);
  // The common case (a first reservation, or a loser of a checkout burst) is one statement outside
  // any transaction: no pooled connection waits on the product locks inside an interactive transaction.
  const attempt = await reserveIfFree(deps.db, orderId, merged, deps.reservationTtlSeconds, {
    type: LOW_STOCK_EVENT,
    threshold: deps.lowStockThreshold,
  });
  if (attempt.inserted) return;
  if (attempt.existing === 0) {
    const errors = shortages(merged, new Map(attempt.products.map((p) => [p.id, p])));
    if (errors.length > 0) throw new DomainError(...errors);
  }
  // The order already holds a reservation (a retry, or one to take again): decided under its locks.
  await inTransaction(deps.db, async (tx) => {
    const products = new Map(
      (
        await lockProducts(
          tx,
          merged.map((l) => l.productId),
        )
      ).map((p) => [p.id, p]),
    );
    const existing = await lockReservation(tx, orderId);
    if (existing.length > 0 && !sameLines(existing, merged)) {
      throw new DomainError(
        userError("RESERVATION_MISMATCH", "This order already holds a reservation for other lines", ["lines"]),
      );
    }
    const live =
      existing.length > 0 && existing.every((r) => r.status === "COMMITTED" || (r.status === "ACTIVE" && !r.expired));
    if (live) return;
    const errors = shortages(merged, products);
    if (errors.length > 0) throw new DomainError(...errors);
    if (existing.length > 0) await reactivateReservation(tx, orderId, deps.reservationTtlSeconds);
    else await insertReservation(tx, orderId, merged, deps.reservationTtlSeconds);
    await recordLowStock(tx, deps, merged, products);
  });
}

async function recordLowStock(
  tx: Tx,
  deps: ReservationDeps,
  lines: readonly MergedLine[],
  products: Map<string, LockedProduct>,
) {
  const changes = lines.flatMap((line) => {
    const product = products.get(line.productId);
    return product
      ? [
          {
            productId: product.id,
            title: product.title,
            before: product.available,
            after: product.available - line.quantity,
          },
        ]
      : [];
  });
  await insertOutboxEvents(tx, lowStockEvents(changes, deps.lowStockThreshold));
}

/** Locks the order's products (in id order) and then its reservation rows. */
async function lockOrder(tx: Tx, orderId: string): Promise<ReservationRow[]> {
  await lockProductsOfOrder(tx, orderId);
  return lockReservation(tx, orderId);
}

/**
 * Payment captured: the reservation becomes a sale (ACTIVE → COMMITTED, stock decremented).
 * Idempotent. An expired reservation cannot be committed (RESERVATION_EXPIRED: reserve again).
 */
export async function commitStock(deps: ReservationDeps, orderId: string): Promise<void> {
  if (!isUuid(orderId)) throw badUserInput("orderId must be a UUID", ["orderId"]);
  // One statement: it commits exactly when the rules below find nothing to refuse.
  const { rows, committed } = await commitIfActive(deps.db, orderId);
  if (committed) return;
  if (rows.length === 0)
    throw new DomainError(userError("RESERVATION_NOT_FOUND", "No stock is reserved for this order", ["orderId"]));
  if (rows.every((r) => r.status === "COMMITTED")) return;
  if (rows.some((r) => r.expired && r.status !== "COMMITTED")) {
    throw new DomainError(
      userError("RESERVATION_EXPIRED", "The reservation expired: reserve the stock again", ["orderId"]),
    );
  }
  if (rows.some((r) => r.status === "RELEASED"))
    throw new DomainError(userError("RESERVATION_RELEASED", "The reservation was released", ["orderId"]));
  throw new Error(`commit_stock_if_active refused order ${orderId} for no known reason`);
}

/**
 * Gives the stock back: ACTIVE → RELEASED (payment failed), or COMMITTED → RELEASED with the units
 * returned to stock (a paid order cancelled). Idempotent; an order without reservation is a no-op.
 */
export async function releaseStock(deps: ReservationDeps, orderId: string): Promise<void> {
  if (!isUuid(orderId)) throw badUserInput("orderId must be a UUID", ["orderId"]);
  await inTransaction(deps.db, async (tx) => {
    const rows = await lockOrder(tx, orderId);
    if (rows.length === 0 || rows.every((r) => r.status === "RELEASED")) return;
    await moveReservation(
      tx,
      orderId,
      "RELEASED",
      rows.filter((r) => r.status === "COMMITTED"),
      1,
    );
  });
}

/** Releases every expired reservation line (run on an interval); returns how many were released. */
export function sweepExpiredReservations(db: Db): Promise<number> {
  return releaseExpiredReservations(db);
}
