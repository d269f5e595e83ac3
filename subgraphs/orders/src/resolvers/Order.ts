import { isUuid, toMoney } from "@shopgraph/subgraph-kit";
import { formatOrderNumber } from "@shopgraph/events";
import type { OrderResolvers } from "../generated/resolvers-types.ts";

export const Order = {
  // Batched: the gateway's _entities call for N orders costs one query. Field rules then decide.
  __resolveReference: (ref, ctx) => (isUuid(ref.id) ? ctx.loaders.order.load(ref.id) : null),
  number: (order) => formatOrderNumber(order.number),
  customer: (order) => ({ __typename: "User", id: order.customerId }),
  items: async (order, _, ctx) =>
    (await ctx.loaders.lines.load(order.id)).map((line) => ({
      productId: line.productId,
      title: line.title,
      quantity: line.quantity,
      unitPrice: toMoney(line.unitPriceMinor, order.currencyCode),
      lineTotal: toMoney(line.lineTotalMinor, order.currencyCode),
    })),
  subtotal: (order) => toMoney(order.subtotalMinor, order.currencyCode),
  total: (order) => toMoney(order.totalMinor, order.currencyCode),
  shippingAddress: (order) => ({
    name: order.shipName,
    line1: order.shipLine1,
    line2: order.shipLine2,
    city: order.shipCity,
    postalCode: order.shipPostalCode,
    country: order.shipCountry,
  }),
  // The latest attempt is "the" payment.
  payment: async (order, _, ctx) => (await ctx.loaders.payments.load(order.id))[0] ?? null,
} satisfies OrderResolvers;
