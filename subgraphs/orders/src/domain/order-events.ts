import { toMoney } from "@shopgraph/subgraph-kit";
import type { OrderWithLines } from "../db/order-rows.ts";

/** Events orders publishes (consumed by notifications). */
export type OrderEventType =
  "order.confirmed" | "order.payment_failed" | "order.shipped" | "order.delivered" | "order.cancelled";

export type { OrderWithLines };

/** The outbox row for an event; id and occurredAt come from the database, the relay adds the rest. */
export interface OrderEventRow {
  type: OrderEventType;
  version: number;
  traceparent: string | null;
  payload: {
    orderId: string;
    /** The Int order number (packages/events OrderEventV1); clients see it formatted as SG-000123. */
    number: number;
    customerId: string;
    status: string;
    total: { amount: string; currencyCode: string };
    trackingNumber?: string;
    reason?: string;
    lines: { productId: string; title: string; quantity: number }[];
  };
}

/**
 * Builds the event for an order's new state. Version 1 of every order event carries the same
 * payload shape, so consumers need one parser; `reason` explains failures and cancellations.
 */
export function orderEvent(
  type: OrderEventType,
  order: OrderWithLines,
  extra: { reason?: string | undefined; traceparent?: string | undefined } = {},
): OrderEventRow {
  return {
    type,
    version: 1,
    traceparent: extra.traceparent ?? null,
    payload: {
      orderId: order.id,
      number: order.number,
      customerId: order.customerId,
      status: order.status,
      total: toMoney(order.totalMinor, order.currencyCode),
      ...(order.trackingNumber ? { trackingNumber: order.trackingNumber } : {}),
      ...(extra.reason ? { reason: extra.reason } : {}),
      lines: [...order.lines]
        .sort((a, b) => a.position - b.position)
        .map((l) => ({ productId: l.productId, title: l.title, quantity: l.quantity })),
    },
  };
}
