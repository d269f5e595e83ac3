import type DataLoader from "dataloader";
import { createByIdLoader, createGroupLoader, type BaseSubgraphContext } from "@shopgraph/subgraph-kit";
import type { Db } from "./db/client.ts";
import { createCustomerOrderLoaders, type CustomerOrderLoaders } from "./db/customer-order-pages.ts";
import type { PlacedOrder } from "./db/order-rows.ts";
import {
  findLinesByOrderIds,
  findOrdersByIds,
  findPaymentsByOrderIds,
  type Order,
  type OrderLine,
  type Payment,
} from "./db/order-repository.ts";
import type { CheckoutDeps } from "./domain/checkout-deps.ts";

/** Per-request context of the orders subgraph. */
export interface OrdersContext extends BaseSubgraphContext {
  db: Db;
  checkout: CheckoutDeps;
  loaders: {
    order: DataLoader<string, Order | null>;
    /** Lines per order: one query for every order in the response, however many lines each has. */
    lines: DataLoader<string, OrderLine[]>;
    /** Payments per order, newest first. */
    payments: DataLoader<string, Payment[]>;
    /** User.orders pages and counts, batched across every user in the response. */
    customerOrders: CustomerOrderLoaders;
  };
}

/** Builds the per-request context: fresh DataLoaders every request (no cross-user caching). */
export function createOrdersContext(base: BaseSubgraphContext, checkout: CheckoutDeps): OrdersContext {
  const { db } = checkout;
  return {
    ...base,
    db,
    checkout,
    loaders: {
      order: createByIdLoader(
        (ids) => findOrdersByIds(db, ids),
        (o) => o.id,
      ),
      lines: createGroupLoader(
        (ids) => findLinesByOrderIds(db, ids),
        (l) => l.orderId,
      ),
      payments: createGroupLoader(
        (ids) => findPaymentsByOrderIds(db, ids),
        (p) => p.orderId,
      ),
      customerOrders: createCustomerOrderLoaders(db),
    },
  };
}

/**
 * Seeds the request's loaders with an order this request just wrote (row, lines, payment), so its
 * fields resolve from those rows instead of reading them back; returns the order row.
 */
export function primeOrder(ctx: OrdersContext, placed: PlacedOrder): Order {
  const { order } = placed;
  ctx.loaders.order.prime(order.id, order);
  ctx.loaders.lines.prime(order.id, placed.lines);
  ctx.loaders.payments.prime(order.id, [placed.payment]);
  return order;
}
