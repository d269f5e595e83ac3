import type { OutboxDraft } from "../db/outbox.ts";

/** The event type notifications turns into a LOW_STOCK alert for admins. */
export const LOW_STOCK_EVENT = "inventory.low_stock";

/** A change of what can be ordered of one product. */
export interface AvailabilityChange {
  productId: string;
  title: string;
  before: number;
  after: number;
}

/**
 * `inventory.low_stock` events for products whose availability just crossed the threshold
 * downwards. Only the crossing counts: every later sale of a low product would otherwise alert
 * the admins again.
 */
export function lowStockEvents(changes: readonly AvailabilityChange[], threshold: number): OutboxDraft[] {
  return changes
    .filter((c) => c.before > threshold && c.after <= threshold)
    .map((c) => ({
      type: LOW_STOCK_EVENT,
      payload: { productId: c.productId, title: c.title, quantityAvailable: Math.max(c.after, 0) },
    }));
}
