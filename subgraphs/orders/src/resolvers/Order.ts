import { isUuid, toMoney } from "@shopgraph/subgraph-kit";
import type { OrdersContext } from "../context.ts";
import type { Order as OrderRow } from "../db/order-repository.ts";
import { formatOrderNumber } from "@shopgraph/events";

export const Order = {
  // Batched: the gateway's _entities call for N orders costs one query. Field rules then decide.
  __resolveReference: (ref: { id: string }, ctx: OrdersContext) => (isUuid(ref.id) ? ctx.loaders.order.load(ref.id) : null),
  number: (order: OrderRow) => formatOrderNumber(order.number),
  customer: (order: OrderRow) => ({ __typename: "User", id: order.customerId }),
  items: async (order: OrderRow, _: unknown, ctx: OrdersContext) =>
    (await ctx.loaders.lines.load(order.id)).map((line) => ({
      productId: line.productId,
      title: line.title,
      quantity: line.quantity,
      unitPrice: toMoney(line.unitPriceMinor, order.currencyCode),
      lineTotal: toMoney(line.lineTotalMinor, order.currencyCode),
    })),
  subtotal: (order: OrderRow) => toMoney(order.subtotalMinor, order.currencyCode),
  total: (order: OrderRow) => toMoney(order.totalMinor, order.currencyCode),
  shippingAddress: (order: OrderRow) => ({
    name: order.shipName,
    line1: order.shipLine1,
    line2: order.shipLine2,
    city: order.shipCity,
    postalCode: order.shipPostalCode,
    country: order.shipCountry,
  }),
  // The latest attempt is "the" payment.
  payment: async (order: OrderRow, _: unknown, ctx: OrdersContext) => (await ctx.loaders.payments.load(order.id))[0] ?? null,
};
