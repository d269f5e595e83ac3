import type { CurrencyCode } from "@shopgraph/subgraph-kit";

/** A product as checkout snapshots it: title and price are copied onto the order line. */
export interface ProductSnapshot {
  id: string;
  title: string;
  archived: boolean;
  priceMinor: bigint;
  currencyCode: CurrencyCode;
}

/** One line of a stock reservation. */
export interface StockLine {
  productId: string;
  quantity: number;
}

/** A refusal from products; `lineIndex` points into the reserved lines when products named one. */
export interface StockError {
  code: string;
  message: string;
  lineIndex: number | null;
}

/** Outcome of a stock operation: products either did it or refused (and then changed nothing). */
export type StockResult = { ok: true } | { ok: false; errors: StockError[] };

/**
 * What orders needs from the products service. Every stock operation is idempotent per order id
 * and all-or-nothing, so the saga may repeat any of them after a crash or a timeout.
 */
export interface ProductsClient {
  /** Snapshots by id; unknown ids are simply absent from the map. */
  getProducts(ids: readonly string[]): Promise<Map<string, ProductSnapshot>>;
  /** Holds stock for every line, or for none (OUT_OF_STOCK / PRODUCT_UNAVAILABLE). */
  reserveStock(orderId: string, lines: readonly StockLine[]): Promise<StockResult>;
  /** Turns the order's reservation into a sale. */
  commitStock(orderId: string): Promise<StockResult>;
  /** Gives the order's stock back (also after a commit: cancellations restore stock). */
  releaseStock(orderId: string): Promise<StockResult>;
}

/** Products could not be reached or answered nonsense: the call's outcome is unknown. */
export class ProductsUnavailableError extends Error {
  /** An outage, not a bug: clients get SERVICE_UNAVAILABLE (retryable), and the saga stays for recovery. */
  readonly outage = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProductsUnavailableError";
  }
}
