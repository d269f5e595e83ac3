import { notFound } from "@shopgraph/errors";
import { isUuid } from "@shopgraph/subgraph-kit";
import type { OrdersContext } from "../context.ts";
import { canSeeOrder, pageOfOrders } from "../domain/order-queries.ts";
import type { QueryResolvers } from "../generated/resolvers-types.ts";

// @requiresScopes(read_orders) on every Query field here guarantees a viewer; this narrows the type.
const viewerOf = (ctx: OrdersContext) => ctx.viewer!;

export const Query = {
  // Missing and someone else's look the same: NOT_FOUND, never a hint that the order exists.
  order: async (_, args, ctx) => {
    const order = isUuid(args.id) ? await ctx.loaders.order.load(args.id) : null;
    if (!order || !canSeeOrder(viewerOf(ctx), order)) throw notFound("Order not found");
    return order;
  },
  orders: (_, args, ctx) => {
    const viewer = viewerOf(ctx);
    return pageOfOrders(ctx.db, viewer.role === "ADMIN" ? {} : { customerId: viewer.id }, args);
  },
} satisfies QueryResolvers;
