import { requireOwnerOrAdmin } from "@shopgraph/auth";
import { isUuid, toMoney } from "@shopgraph/subgraph-kit";
import { formatOrderNumber } from "@shopgraph/events";
import type { OrderResolvers } from "../generated/resolvers-types.ts";

export const Order = {
  // Batched: the gateway's _entities call for N orders costs one query. Its customer or an ADMIN
  // only (the SDL's read_orders is checked before); anyone else gets FORBIDDEN and nothing.
  __resolveReference: async (ref, ctx) => {
    const order = isUuid(ref.id) ? await ctx.loaders.order.load(ref.id) : null;
    if (order) requireOwnerOrAdmin(ctx.viewer, order.customerId);
    return order;
  },
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
