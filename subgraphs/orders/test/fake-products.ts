import { setImmediate as tick } from "node:timers/promises";
import type { CurrencyCode } from "@shopgraph/subgraph-kit";
import {
  ProductsUnavailableError,
  type ProductSnapshot,
  type ProductsClient,
  type StockLine,
  type StockResult,
} from "../src/domain/products-client.ts";

/** A product in the fake catalog. */
export interface FakeProduct {
  id: string;
  title: string;
  priceMinor: bigint;
  currencyCode: CurrencyCode;
  archived: boolean;
  stock: number;
}

type Operation = "getProducts" | "reserveStock" | "commitStock" | "releaseStock";
type Reservation = { lines: StockLine[]; state: "RESERVED" | "COMMITTED" | "RELEASED" };

/**
 * A test double of the products SERVICE (not of a database): an in-memory catalog and stock map
 * with the contract's semantics — all-or-nothing reservations, every stock operation idempotent
 * per order id, release after commit restores stock, and a release of an unknown order leaves a
 * tombstone so a late reservation cannot hold stock for a failed order. Outages are scripted.
 */
export function createFakeProducts(catalog: readonly FakeProduct[]) {
  const products = new Map(catalog.map((p) => [p.id, { ...p }]));
  const reservations = new Map<string, Reservation>();
  const outages: { operation: Operation; when: "before" | "after" }[] = [];
  const calls: { operation: Operation; orderId?: string }[] = [];

  async function run<T>(operation: Operation, orderId: string | undefined, act: () => T): Promise<T> {
    calls.push({ operation, ...(orderId ? { orderId } : {}) });
    await tick(); // let concurrent requests interleave as they would over the network
    const index = outages.findIndex((o) => o.operation === operation);
    const outage = index >= 0 ? outages.splice(index, 1)[0] : undefined;
    if (outage?.when === "before") throw new ProductsUnavailableError(`fake products down (${operation})`);
    const result = act();
    if (outage?.when === "after") throw new ProductsUnavailableError(`fake products timed out (${operation})`);
    return result;
  }

  const refuse = (code: string, message: string, lineIndex: number | null): StockResult => ({
    ok: false,
    errors: [{ code, message, lineIndex }],
  });

  const client: ProductsClient = {
    getProducts: (ids) =>
      run("getProducts", undefined, () => {
        const found = new Map<string, ProductSnapshot>();
        for (const id of ids) {
          const p = products.get(id);
          if (p)
            found.set(id, {
              id: p.id,
              title: p.title,
              archived: p.archived,
              priceMinor: p.priceMinor,
              currencyCode: p.currencyCode,
            });
        }
        return found;
      }),
    reserveStock: (orderId, lines) =>
      run("reserveStock", orderId, (): StockResult => {
        const existing = reservations.get(orderId);
        if (existing)
          return existing.state === "RELEASED"
            ? refuse("RESERVATION_RELEASED", "This order's stock was released", null)
            : { ok: true };
        for (const [i, line] of lines.entries()) {
          const p = products.get(line.productId);
          if (!p || p.archived) return refuse("PRODUCT_UNAVAILABLE", "Product unavailable", i);
          if (p.stock < line.quantity) return refuse("OUT_OF_STOCK", `Only ${p.stock} left`, i);
        }
        for (const line of lines) products.get(line.productId)!.stock -= line.quantity;
        reservations.set(orderId, { lines: lines.map((l) => ({ ...l })), state: "RESERVED" });
        return { ok: true };
      }),
    commitStock: (orderId) =>
      run("commitStock", orderId, (): StockResult => {
        const r = reservations.get(orderId);
        if (!r || r.state === "RELEASED") return refuse("RESERVATION_NOT_FOUND", "No reservation for this order", null);
        r.state = "COMMITTED";
        return { ok: true };
      }),
    releaseStock: (orderId) =>
      run("releaseStock", orderId, (): StockResult => {
        const r = reservations.get(orderId);
        if (!r) reservations.set(orderId, { lines: [], state: "RELEASED" });
        else if (r.state !== "RELEASED") {
          for (const line of r.lines) products.get(line.productId)!.stock += line.quantity;
          r.state = "RELEASED";
        }
        return { ok: true };
      }),
  };

  return {
    client,
    calls,
    /** Units that can be reserved now. */
    stockOf: (id: string) => products.get(id)?.stock ?? 0,
    reservationOf: (orderId: string) => reservations.get(orderId),
    /** Units held (reserved, not yet committed) across all orders: must be 0 once sagas settle. */
    heldUnits: () =>
      [...reservations.values()]
        .filter((r) => r.state === "RESERVED")
        .reduce((sum, r) => sum + r.lines.reduce((s, l) => s + l.quantity, 0), 0),
    /** Makes the next call of `operation` fail: before acting (outage) or after (lost response). */
    failNext: (operation: Operation, when: "before" | "after" = "before") => void outages.push({ operation, when }),
    /** Simulates products expiring a reservation behind orders' back. */
    expireReservation(orderId: string) {
      const r = reservations.get(orderId);
      if (r?.state !== "RESERVED") return;
      for (const line of r.lines) products.get(line.productId)!.stock += line.quantity;
      r.state = "RELEASED";
    },
    update(id: string, patch: Partial<FakeProduct>) {
      const p = products.get(id);
      if (p) Object.assign(p, patch);
    },
  };
}

/** The fake's handle type. */
export type FakeProducts = ReturnType<typeof createFakeProducts>;
