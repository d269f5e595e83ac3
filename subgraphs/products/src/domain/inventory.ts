import { DomainError, userError } from "@shopgraph/errors";
import { isUuid } from "@shopgraph/subgraph-kit";
import type { CatalogCaches } from "../cache/catalog-caches.ts";
import type { Db } from "../db/client.ts";
import { inTransaction } from "../db/transactions.ts";
import { adjustStock, stockState } from "../db/inventory-repository.ts";
import { insertOutboxEvents } from "../db/outbox.ts";
import { lockProducts } from "../db/reservation-repository.ts";
import { MAX_STOCK } from "./catalog-rules.ts";
import { lowStockEvents } from "./low-stock.ts";

/** What stock changes need. */
export interface InventoryDeps {
  db: Db;
  caches: CatalogCaches;
  lowStockThreshold: number;
}

/**
 * ADMIN: adds `delta` (negative removes) to a product's stock. Stock never goes below zero, nor
 * below the units held for pending checkouts (INSUFFICIENT_STOCK), nor above 1,000,000. A drop to
 * the low-stock threshold records `inventory.low_stock` in the same transaction.
 */
export async function adjustInventory(deps: InventoryDeps, rawProductId: string, delta: number): Promise<void> {
  const productId = rawProductId.toLowerCase();
  const notFound = () => new DomainError(userError("PRODUCT_NOT_FOUND", "Product not found", ["productId"]));
  if (!isUuid(productId)) throw notFound();
  await inTransaction(deps.db, async (tx) => {
    if ((await lockProducts(tx, [productId])).length === 0) throw notFound();
    const adjusted = await adjustStock(tx, productId, delta, MAX_STOCK);
    if (!adjusted) throw refusal(delta, await stockState(tx, productId));
    const after = adjusted.stock - adjusted.reserved;
    await insertOutboxEvents(
      tx,
      lowStockEvents([{ productId, title: adjusted.title, before: after - delta, after }], deps.lowStockThreshold),
    );
  });
  // updatedAt changed: the cached entity is stale even though stock itself is never cached.
  await deps.caches.products.invalidate([productId]);
}

function refusal(delta: number, state: { stock: number; reserved: number } | null): DomainError {
  const field = ["delta"];
  if (!state) return new DomainError(userError("PRODUCT_NOT_FOUND", "Product not found", ["productId"]));
  const next = state.stock + delta;
  if (next < 0)
    return new DomainError(
      userError("INSUFFICIENT_STOCK", `Only ${state.stock} in stock: cannot remove ${-delta}`, field),
    );
  if (next < state.reserved) {
    return new DomainError(
      userError(
        "INSUFFICIENT_STOCK",
        `${state.reserved} of ${state.stock} units are reserved by pending checkouts: cannot remove ${-delta}`,
        field,
      ),
    );
  }
  return new DomainError(userError("STOCK_LIMIT_EXCEEDED", `Stock cannot exceed ${MAX_STOCK}`, field));
}
