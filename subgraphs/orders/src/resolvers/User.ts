import { requireOwnerOrAdmin } from "@shopgraph/auth";
import { pageOfCustomerOrders } from "../domain/order-queries.ts";
import type { UserResolvers } from "../generated/resolvers-types.ts";

export const User = {
  // Users owns the entity; orders only needs the id to list the user's orders.
  __resolveReference: (ref) => ({ id: ref.id }),
  // The user themself or an ADMIN (anonymous UNAUTHENTICATED, others FORBIDDEN).
  orders: (user, args, ctx) => (
    requireOwnerOrAdmin(ctx.viewer, user.id),
    pageOfCustomerOrders(ctx.loaders.customerOrders, user.id, args)
  ),
} satisfies UserResolvers;
